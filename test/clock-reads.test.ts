// Decisions take the tick's minute and the database's clock, never the
// process's own (issue 23, case 4: test/system/reliability/clock.test.ts runs a
// worker whose clock is an hour off). So every read of "now" in src/ is listed
// here with its reason, and any other one fails: a new `Date.now()` in a
// decision path has to be argued for, not slipped in. The list stays true: a
// listed file that no longer reads the clock fails too.
//
// A clock read is `Date.now` (called or passed as a function), `new Date()`
// without an argument, `Date()` (a string of now), or a monotonic read
// (`performance.now()`, `performance.timeOrigin`, `process.hrtime`,
// `process.uptime()`), found in the syntax tree, so comments and strings do not count.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/processes.js';

/** Every file of src/ allowed to read the clock, and why. */
const ALLOWED: Record<string, string> = {
  // Workflow code: `Date` is the workflow's deterministic clock, the time of the
  // workflow task in the history (the Temporal server's clock), never the worker's.
  'src/workflows/tick.ts': "workflow time: the tick's statistics (startedAt, elapsedMs)",
  'src/workflows/evaluate-workspace.ts': 'workflow time: the minute of a re-evaluation asked without a tick',
  // Timeouts: how long to wait, never what is due.
  'src/runtime/temporal-dev-server.ts': 'timeout: waiting for the dev server to answer at start',
  'src/runtime/ports.ts': 'timeout: waiting for a stopped process to exit',
  'src/ops/workspaces.ts': 'timeout: waiting for a build job to finish (`--wait`)',
  'src/cli/wait.ts': 'timeout: waiting for a worker to pick up a workflow',
  'src/metrics/health.ts': "timeout: the deadline of a readiness check's call to Temporal",
  // Display and metrics: what a person or Prometheus reads, not what the engine decides.
  'src/cli/progress.ts': "CLI display: the spinner's elapsed seconds",
  'src/cli/commands/workspaces.ts': 'CLI display: a deadline shown relative to now ("in 2h")',
  'src/cli/commands/engine.ts': "CLI display: the schedule's next runs relative to now",
  'src/cli/commands/reminder-actions.ts': 'CLI display: the new deadline shown relative to now ("in 2h")',
  'src/main.ts': 'display: the start time recorded in runtime.json for `autobuild status`',
  'src/engine/evaluate.ts':
    'metrics: the tick lag, the database clock read with the snapshot plus the monotonic time since (performance.now)',
  // The receiver checks the signature's timestamp against its own clock, so it is the sender's real time.
  'src/notifications/sinks.ts': 'webhook signature: the signed timestamp a receiver compares with its clock',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each clock read of a file: `line: expression`. */
function clockReads(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const is = (node: ts.Node, object: string, names: string[]) =>
    ts.isPropertyAccessExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === object &&
    names.includes(node.name.text);
  const visit = (node: ts.Node) => {
    const read =
      is(node, 'Date', ['now']) ||
      is(node, 'performance', ['now', 'timeOrigin']) ||
      is(node, 'process', ['hrtime', 'uptime']) ||
      (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && !node.arguments?.length) ||
      (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date');
    if (read) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      found.push(`${line}: ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const reads = new Map(
  sourceFiles(join(PROJECT_ROOT, 'src'))
    .map((f) => [relative(PROJECT_ROOT, f), clockReads(f)] as const)
    .filter(([, r]) => r.length > 0),
);

describe('reads of the clock in src/', () => {
  it('only the listed files read the clock (decisions take the tick and the database clock)', () => {
    const unlisted = [...reads].filter(([file]) => !(file in ALLOWED)).map(([file, r]) => `${file}: ${r.join('; ')}`);
    expect(unlisted).toEqual([]);
  });

  it('every listed file still reads it, so the list stays true', () => {
    expect(Object.keys(ALLOWED).filter((file) => !reads.has(file))).toEqual([]);
  });

  it('the pure core and the data layer never read it', () => {
    expect([...reads.keys()].filter((file) => /^src\/(lifecycle|db)\//.test(file))).toEqual([]);
  });
});
