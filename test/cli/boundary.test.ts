// The CLI prints and parses; the operations module does the work. A CLI file
// that reached the database itself, or Temporal outside the engine's own
// commands, would hold a rule or a query of its own.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/processes.js';

const CLI = join(PROJECT_ROOT, 'src', 'cli');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const imports = new Map(
  files(CLI).map((f) => [
    relative(CLI, f),
    [...readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
  ]),
);

describe('the CLI goes through the operations module', () => {
  it('no file under src/cli imports the data layer (src/db)', () => {
    const reaching = [...imports].filter(([, specs]) => specs.some((s) => /(^|\/)db\//.test(s))).map(([file]) => file);
    expect(reaching).toEqual([]);
  });

  it('only the engine commands (tick, schedule, status) and the connection setup reach Temporal', () => {
    const temporal = /^@temporalio\/|\/runtime\/(schedule|tick-client|evaluate-client)\.js$/;
    const reaching = [...imports].filter(([, specs]) => specs.some((s) => temporal.test(s))).map(([file]) => file);
    expect(reaching.sort()).toEqual(['commands/engine.ts', 'context.ts', 'wait.ts']);
  });

  it('sees the imports it checks (the scan is not vacuous)', () => {
    expect(imports.get('commands/engine.ts')).toContain('../../runtime/schedule.js');
    expect(imports.get('context.ts')).toContain('../ops/index.js');
  });
});
