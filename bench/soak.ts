// `npm run soak`: the simulated week (docs/soak.md).
//
// Usage: npm run soak -- [--seed N] [--workspaces 2000] [--hours 168] [--start <ISO instant>] [--skip-idle]
// Prints its figures at the end; a failing seed is printed with the command that reruns it.
import { parseArgs } from 'node:util';
import { runSoak, SoakFailure } from './soak/run.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    workspaces: { type: 'string', default: '2000' },
    hours: { type: 'string', default: '168' },
    start: { type: 'string' },
    'skip-idle': { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`soak: --${name} must be a positive number, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
}

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) {
  process.stderr.write(`soak: --seed must be a whole number, got "${values.seed}"\n`);
  process.exit(2);
}
const workspaces = Math.floor(positive('workspaces', values.workspaces));
const hours = positive('hours', values.hours);
const start = values.start === undefined ? undefined : new Date(values.start);
if (start !== undefined && Number.isNaN(start.getTime())) {
  process.stderr.write(`soak: --start must be an ISO instant such as 2027-03-29T05:00:00Z, got "${values.start}"\n`);
  process.exit(2);
}

try {
  const f = await runSoak({ seed, workspaces, hours, start, skipIdle: values['skip-idle'], log: (l) => process.stdout.write(`${l}\n`) });
  const kills = Object.entries(f.kills)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const transitions = Object.entries(f.transitions)
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const edits = Object.entries(f.edits)
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  process.stdout.write(
    [
      `soak seed ${f.seed}: clean`,
      `  simulated      ${f.hours} h from ${f.start} (${f.minutes} minutes), ${f.workspaces} workspaces`,
      `  ticks          ${f.ticks} ran${f.skippedTicks ? `, ${f.skippedTicks} skipped (nothing due)` : ''}`,
      `  transitions    ${f.transitionTotal} (${transitions})`,
      `  person builds  ${f.personBuilds}; edits ${edits}; activity reports ${f.activityReports}`,
      `  kills          ${Object.values(f.kills).reduce((a, b) => a + b, 0)} (${kills}); unplanned worker exits ${f.unplannedWorkerExits}`,
      `  tick skips     ${JSON.stringify(f.skipped)}; tick errors ${f.tickErrors}`,
      `  invariants     I1–I5 hold over ${f.invariants.builds} builds (${f.invariants.automaticBuilds} automatic) of ${f.invariants.workspaces} workspaces`,
      `  time           ${(f.seconds / 60).toFixed(1)} min`,
      ...f.unplannedExitLogs.map((l, i) => `  unplanned worker exit ${i + 1}, its last lines:\n${l}`),
      '',
    ].join('\n'),
  );
} catch (err) {
  if (err instanceof SoakFailure) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
