import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './processes.js';

/** Every environment variable the configuration module reads (the quoted names in config.ts). */
export function configVariables(): string[] {
  const source = readFileSync(join(PROJECT_ROOT, 'src/runtime/config.ts'), 'utf8');
  return [...new Set([...source.matchAll(/'((?:AUTOBUILD|TEMPORAL|LOG|OTEL)_[A-Z0-9_]+|DATABASE_URL)'/g)].map((m) => m[1]!))];
}
