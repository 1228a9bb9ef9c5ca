#!/usr/bin/env node
// The `autobuild` command. The TypeScript sources run through tsx, the same
// loader `npm start` and the worker use, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
