// The Node flags `npm start` gives the worker, read from package.json's start
// script (`node <flags> dist/main.js`), so that the benchmark's engine and the
// tests' `npm start` processes run exactly as a user's does; and those `npm run
// api` gives the API alone (`node <flags> dist/api-main.js`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/runtime/config.js';

/** The flags between `node` and `dist/main.js`; throws if the start script has another shape. */
export function startScriptNodeFlags(): string[] {
  return scriptNodeFlags('start', 'dist/main.js');
}

/** The flags between `node` and `dist/api-main.js` in the api script; throws if it has another shape. */
export function apiScriptNodeFlags(): string[] {
  return scriptNodeFlags('api', 'dist/api-main.js');
}

function scriptNodeFlags(script: string, entry: string): string[] {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const shape = new RegExp(`^node((?: --[\\w-]+(?:=\\S+)?)*) ${entry.replaceAll('.', '\\.').replaceAll('/', '\\/')}$`);
  const m = shape.exec(pkg.scripts[script] ?? '');
  if (!m) throw new Error(`package.json's ${script} script is not "node [flags] ${entry}": ${pkg.scripts[script]}`);
  return m[1]!.trim().split(' ').filter(Boolean);
}
