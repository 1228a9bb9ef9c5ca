// The Node flags `npm start` gives the worker, read from package.json's start
// script (`node <flags> dist/main.js`), so that the benchmark's engine and the
// tests' `npm start` processes run exactly as a user's does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/runtime/config.js';

const SHAPE = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/main\.js$/;

/** The flags between `node` and `dist/main.js`; throws if the start script has another shape. */
export function startScriptNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const m = SHAPE.exec(pkg.scripts.start ?? '');
  if (!m) throw new Error(`package.json's start script is not "node [flags] dist/main.js": ${pkg.scripts.start}`);
  return m[1]!.trim().split(' ').filter(Boolean);
}
