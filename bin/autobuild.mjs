#!/usr/bin/env node
// The `autobuild` command: the compiled CLI (dist/, made by `npm run build`,
// which `npm install` runs).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('autobuild: dist/ is missing: run `npm run build` (npm install runs it)\n');
  process.exit(1);
}
await import(main.href);
