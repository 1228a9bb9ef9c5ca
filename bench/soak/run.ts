// The simulated week (docs/soak.md): a seeded population driven minute by
// minute through explicit tick times, with people's edits through the
// operations module, activity reports, and SIGKILLs of the worker, PostgreSQL
// and the Temporal dev server, all drawn from one seed. After every tick the
// database's builds are compared with the oracle's (src/lifecycle run over the
// same events); at the end the reliability suite's invariants are checked.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import pg from 'pg';
import { LOCKED, loadSnapshot } from '../../src/db/load-snapshot.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { MINUTE, type Transition } from '../../src/lifecycle/index.js';
import { createOps, type Ops } from '../../src/ops/index.js';
import { ensureTickSchedule, pauseTickSchedule } from '../../src/runtime/schedule.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import type { TickStats } from '../../src/workflows/tick-stats.js';
import { checkInvariants, type InvariantReport } from '../../test/system/reliability/invariants.js';
import { BENCH_DATA_DIR } from '../lib/stack.js';
import { type BuildKey, formatBuild, Oracle } from './oracle.js';
import { type ProcessKind, type SoakProcesses, startSoakProcesses } from './processes.js';
import { createRandom, type Random } from './random.js';
import { type AdminEdit, drawMinute, type Edit, seedPopulation } from './world.js';

/** Sunday 2027-03-28 00:00 UTC: Europe moves its clocks forward at 01:00 UTC, Sydney back on 3 April at 16:00 UTC. */
export const DEFAULT_START = new Date('2027-03-28T00:00:00Z');

export type KillKind = ProcessKind | 'all';
export const KILL_KINDS: readonly KillKind[] = ['worker', 'postgres', 'temporal', 'all'];

export interface SoakOptions {
  seed: number;
  workspaces: number;
  hours: number;
  start?: Date;
  /** Run a tick only when the oracle has something due at it, a kill is planned, or an edit just happened (docs/soak.md). Default false: every minute. */
  skipIdle?: boolean;
  /** Data folder (PostgreSQL, the dev server's file, the worker's log); removed after a clean run. */
  dir?: string;
  log?: (line: string) => void;
}

export interface SoakFigures {
  seed: number;
  workspaces: number;
  hours: number;
  start: string;
  /** Simulated minutes. */
  minutes: number;
  /** Ticks that ran (each a tick workflow at its minute). */
  ticks: number;
  /** Minutes whose tick was skipped because nothing was due (skipIdle only). */
  skippedTicks: number;
  /** Builds the ticks made, by "<transition>/<reason>". */
  transitions: Record<string, number>;
  transitionTotal: number;
  /** Builds people made through the operations module. */
  personBuilds: number;
  edits: Record<string, number>;
  activityReports: number;
  kills: Record<KillKind, number>;
  unplannedWorkerExits: number;
  /** The last lines each worker that exited unasked logged. */
  unplannedExitLogs: string[];
  tickErrors: number;
  skipped: Record<string, number>;
  seconds: number;
  invariants: Pick<InvariantReport, 'builds' | 'automaticBuilds' | 'workspaces'>;
}

export class SoakFailure extends Error {
  override readonly name = 'SoakFailure';
  constructor(
    readonly seed: number,
    message: string,
    readonly dir: string,
    /** The command that runs the same soak again: same seed, same size, same start. */
    readonly rerun = `npm run soak -- --seed ${seed}`,
  ) {
    super(`soak seed ${seed}: ${message}\nrerun: ${rerun}  (data kept in ${dir})`);
  }
}

/** The `npm run soak` command line of these options. */
export function rerunCommand(o: SoakOptions): string {
  const start = o.start ?? DEFAULT_START;
  return [
    `npm run soak -- --seed ${o.seed} --workspaces ${o.workspaces} --hours ${o.hours}`,
    start.getTime() === DEFAULT_START.getTime() ? '' : ` --start ${start.toISOString()}`,
    o.skipIdle ? ' --skip-idle' : '',
  ].join('');
}

interface PlannedKill {
  minute: number;
  kind: KillKind;
  delayMs: number;
}

/** The kills of a run, from the seed: spread over the run, every kind as often as the others (each at least once). */
export function planKills(r: Random, minutes: number): PlannedKill[] {
  const count = Math.max(KILL_KINDS.length, Math.round(minutes / 250));
  const kinds = r.shuffle(Array.from({ length: count }, (_, i) => KILL_KINDS[i % KILL_KINDS.length]!));
  const span = Math.max(1, minutes - 50);
  return kinds
    .map((kind, i) => ({ minute: 10 + Math.floor(((i + r.next()) * span) / count), kind, delayMs: r.int(0, 300) }))
    .sort((a, b) => a.minute - b.minute);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(opts: SoakOptions): Promise<SoakFigures> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const start = opts.start ?? DEFAULT_START;
  const minutes = Math.round(opts.hours * 60);
  const dir = opts.dir ?? join(BENCH_DATA_DIR, `soak-${opts.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const fail = (message: string) => new SoakFailure(opts.seed, message, dir, rerunCommand(opts));

  const processes = await startSoakProcesses(dir, 'soak');
  let pool: Pool | null = null;
  let connection: Connection | null = null;
  let clean = false;
  try {
    const admin = new pg.Client({ connectionString: processes.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE soak');
    await admin.end();
    pool = createPool(processes.databaseUrl, 4);
    await migrate(pool);
    await installSimulatedClock(pool);
    const db = pool;
    const setClock = (at: Date) => retryQuery(() => db.query('UPDATE soak_clock SET at = $1', [at]));
    await setClock(new Date(start.getTime() - MINUTE));

    connection = await Connection.connect({ address: processes.temporalAddress });
    const client = new Client({ connection, namespace: 'default' });
    // Ticks come only from this run, at the simulated minutes: the worker's schedule exists, paused, before the worker starts.
    await ensureTickSchedule(client, processes.taskQueue, { pageSize: 500, batchSize: 100 });
    await pauseTickSchedule(client, 'paused by the soak: ticks are run by hand at simulated minutes');
    const ops = createOps({ pool, client, taskQueue: processes.taskQueue });

    const population = await seedPopulation(pool, ops, createRandom(opts.seed, 1), opts.workspaces, new Date(start.getTime() - MINUTE));
    const templateNames = new Map([...population.templateIds].map(([name, id]) => [id, name]));
    const oracle = new Oracle();
    for (const id of population.workspaceIds) {
      const loaded = await loadSnapshot(pool, id);
      if (loaded === null || loaded === LOCKED) throw new Error(`seeded workspace ${id} is missing`);
      oracle.load(loaded);
    }
    await processes.startWorker();
    log(`soak seed ${opts.seed}: ${opts.workspaces} workspaces, ${opts.hours} h from ${start.toISOString()}, data in ${dir}`);

    const events = createRandom(opts.seed, 2);
    const kills = planKills(createRandom(opts.seed, 3), minutes);
    const failing = new Set<string>();
    const figures: SoakFigures = {
      seed: opts.seed,
      workspaces: opts.workspaces,
      hours: opts.hours,
      start: start.toISOString(),
      minutes,
      ticks: 0,
      skippedTicks: 0,
      transitions: {},
      transitionTotal: 0,
      personBuilds: 0,
      edits: {},
      activityReports: 0,
      kills: { worker: 0, postgres: 0, temporal: 0, all: 0 },
      unplannedWorkerExits: 0,
      unplannedExitLogs: [],
      tickErrors: 0,
      skipped: {},
      seconds: 0,
      invariants: { builds: 0, automaticBuilds: 0, workspaces: 0 },
    };
    const stats: TickStats[] = [];
    let compared = 0;
    let editedLastMinute = false;
    const waitQuiescent = () => waitForJobs(db);

    for (let m = 0; m < minutes; m++) {
      const T = new Date(start.getTime() + m * MINUTE);
      // A planned kill waits (up to half an hour) for a tick with builds to make, so that it lands mid-rush.
      const killDue = kills[0] !== undefined && kills[0].minute <= m;
      const dueNow = killDue || opts.skipIdle ? oracle.dueCount(T) : 0;
      const kill = killDue && (dueNow > 0 || m - kills[0]!.minute >= 30) ? kills.shift()! : null;
      const runTick = !opts.skipIdle || dueNow > 0 || kill !== null || editedLastMinute || oracle.cacheDue(T);
      if (runTick) {
        await setClock(T);
        const tick = await startManualTick(client, processes.taskQueue, T);
        // Settled to a value, so that a failed restart is reported here, after the tick, not as an unhandled rejection.
        const fault =
          kill === null
            ? Promise.resolve(null)
            : injectKill(processes, kill).then(
                () => null,
                (err: unknown) => err,
              );
        const result = await awaitTick(client, tick.workflowId);
        const faultError = await fault;
        if (faultError !== null) throw faultError;
        if (kill !== null) figures.kills[kill.kind]++;
        await waitQuiescent();
        stats.push(result);
        figures.ticks++;
        figures.tickErrors += result.errors;
        for (const [k, n] of Object.entries(result.skipped)) figures.skipped[k] = (figures.skipped[k] ?? 0) + n;
        const predicted = oracle.tick(T);
        oracle.completeBuilds(T);
        for (const b of predicted.builds) {
          const k = `${b.transition}/${b.reason}`;
          figures.transitions[k] = (figures.transitions[k] ?? 0) + 1;
          figures.transitionTotal++;
        }
        if (result.errors > 0) {
          throw fail(
            `tick ${T.toISOString()}: ${result.errors} errors: ${result.samples.errors.map((e) => `${e.workspaceId}: ${e.message}`).join(' | ')}`,
          );
        }
      } else {
        figures.skippedTicks++;
      }

      const minute = drawMinute(events, oracle, population, m, failing, templateNames);
      editedLastMinute = minute.admin.length + minute.edits.length > 0;
      if (editedLastMinute) {
        const at = new Date(T.getTime() + 20_000);
        await setClock(at);
        for (const e of minute.admin) await applyAdmin(ops, oracle, e, at);
        for (const e of minute.edits) {
          const made = await applyEdit(ops, oracle, e, at, T, fail);
          if (made) figures.personBuilds++;
        }
        for (const e of [...minute.admin, ...minute.edits]) figures.edits[e.kind] = (figures.edits[e.kind] ?? 0) + 1;
        await waitQuiescent();
        oracle.completeBuilds(at);
      }
      if (minute.activity.length > 0) {
        const at = new Date(T.getTime() + 40_000);
        await setClock(at);
        for (let i = 0; i < minute.activity.length; i += 1000) {
          await ops.activity.report(minute.activity.slice(i, i + 1000).map((id) => ({ workspace: id, source: 'soak' })));
        }
        oracle.reportActivity(minute.activity, at);
        figures.activityReports += minute.activity.length;
      }

      if (runTick || editedLastMinute) {
        const expected = oracle.builds.slice(compared);
        compared = oracle.builds.length;
        const actual = await buildsBetween(db, T, new Date(T.getTime() + MINUTE));
        const diff = compareBuilds(expected, actual);
        if (diff.length > 0) throw fail(`minute ${T.toISOString()}: the database's builds differ from the oracle's:\n${diff.join('\n')}`);
      }
      if ((m + 1) % 60 === 0) {
        const elapsed = (performance.now() - started) / 1000;
        log(
          `  ${new Date(T.getTime() + MINUTE).toISOString()}  ticks ${figures.ticks}  transitions ${figures.transitionTotal}  person builds ${figures.personBuilds}  kills ${Object.values(figures.kills).reduce((a, b) => a + b, 0)}  ${elapsed.toFixed(0)} s (projected ${((elapsed * minutes) / (m + 1) / 60).toFixed(1)} min)`,
        );
      }
    }

    // The whole history once more, and the state each workspace ended in.
    const all = await buildsBetween(db, new Date(0), new Date(8.64e15));
    const initial = new Set(population.workspaceIds);
    const diff = compareBuilds(
      oracle.builds,
      all.filter((b) => !(b.buildNumber === 1 && initial.has(b.workspaceId))),
    );
    if (diff.length > 0) throw fail(`the database's history differs from the oracle's:\n${diff.join('\n')}`);
    const stateDiff = await compareState(db, oracle, population.workspaceIds);
    if (stateDiff.length > 0) throw fail(`the workspaces' final state differs from the oracle's:\n${stateDiff.join('\n')}`);

    const report = await checkInvariants({ pool, client, taskQueue: processes.taskQueue, ticks: stats, since: start, expectedErrors: 0 });
    if (report.violations.length > 0) throw fail(`invariants:\n${report.violations.slice(0, 30).join('\n')}`);
    figures.invariants = { builds: report.builds, automaticBuilds: report.automaticBuilds, workspaces: report.workspaces };
    figures.unplannedWorkerExits = processes.unplannedWorkerExits;
    figures.unplannedExitLogs = processes.unplannedExitLogs;
    figures.seconds = Math.round((performance.now() - started) / 1000);
    clean = true;
    return figures;
  } catch (err) {
    if (err instanceof SoakFailure) throw err;
    const problems = processes.workerProblems().slice(-5);
    throw fail(`${(err as Error).stack ?? err}${problems.length ? `\nworker log (last problems):\n${problems.join('\n')}` : ''}`);
  } finally {
    await connection?.close().catch(() => {});
    await pool?.end().catch(() => {});
    await processes.stop().catch(() => {});
    if (clean) await rm(dir, { recursive: true, force: true });
  }
}

/** autobuild_now() (migration 008) reads the simulated time from a one-row table of this database. */
async function installSimulatedClock(pool: Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE soak_clock (at timestamptz NOT NULL);
    INSERT INTO soak_clock VALUES (now());
    CREATE OR REPLACE FUNCTION autobuild_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT at FROM soak_clock $$;`);
}

async function injectKill(processes: SoakProcesses, kill: PlannedKill): Promise<void> {
  await sleep(kill.delayMs);
  const kinds: ProcessKind[] = kill.kind === 'all' ? ['worker', 'postgres', 'temporal'] : [kill.kind];
  for (const k of kinds) processes.kill(k);
  // Down for a moment, then back on the same data, in the order `npm start` needs them.
  await sleep(500);
  for (const k of ['postgres', 'temporal', 'worker'] as const) if (kinds.includes(k)) await processes.restart(k);
}

/** The tick's result, across kills of the dev server (the client reconnects) and of the worker (another one takes over). */
async function awaitTick(client: Client, workflowId: string): Promise<TickStats> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      return await client.workflow.getHandle<() => Promise<TickStats>>(workflowId).result();
    } catch (err) {
      if (err instanceof WorkflowFailedError || Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

async function retryQuery<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

/** Until every provisioner job has ended (the builds of this minute have run). */
async function waitForJobs(pool: Pool): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const { rows } = await retryQuery(() =>
      pool.query<{ n: number }>('SELECT count(*)::int AS n FROM provisioner_jobs WHERE completed_at IS NULL'),
    );
    if (rows[0]!.n === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0]!.n} provisioner jobs still unfinished after 10 minutes`);
    await sleep(20);
  }
}

async function buildsBetween(pool: Pool, from: Date, to: Date): Promise<BuildKey[]> {
  const { rows } = await retryQuery(() =>
    pool.query(
      `SELECT workspace_id, build_number, transition, reason, created_at FROM workspace_builds
        WHERE created_at >= $1 AND created_at < $2 ORDER BY workspace_id, build_number`,
      [from, to],
    ),
  );
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    buildNumber: r.build_number,
    transition: r.transition,
    reason: r.reason,
    createdAt: r.created_at,
  }));
}

/** Lines naming each build only one side has (at most 20). */
export function compareBuilds(expected: readonly BuildKey[], actual: readonly BuildKey[]): string[] {
  const want = new Set(expected.map(formatBuild));
  const have = new Set(actual.map(formatBuild));
  const out = [
    ...[...want].filter((b) => !have.has(b)).map((b) => `  oracle only:   ${b}`),
    ...[...have].filter((b) => !want.has(b)).map((b) => `  database only: ${b}`),
  ].sort();
  return out.length > 20 ? [...out.slice(0, 20), `  … and ${out.length - 20} more`] : out;
}

async function compareState(pool: Pool, oracle: Oracle, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  const iso = (d: Date | null) => (d === null ? 'null' : d.toISOString());
  for (const id of ids) {
    const loaded = await loadSnapshot(pool, id);
    if (loaded === null || loaded === LOCKED) {
      out.push(`  ${id}: missing`);
      continue;
    }
    const s = loaded.snapshot;
    const db = {
      deleted: loaded.deleted,
      lastUsedAt: iso(s.workspace.lastUsedAt),
      dormantAt: iso(s.workspace.dormantAt),
      deletingAt: iso(s.workspace.deletingAt),
      nextStartAt: iso(s.workspace.nextStartAt),
      autostartBlocked: loaded.autostartBlocked,
      buildNumber: s.latestBuild.buildNumber,
      deadline: iso(s.latestBuild.deadline),
      maxDeadline: iso(s.latestBuild.maxDeadline),
      jobStatus: s.latestJob.status,
    };
    const m = oracle.stateOf(id);
    const model = {
      ...m,
      lastUsedAt: iso(m.lastUsedAt),
      dormantAt: iso(m.dormantAt),
      deletingAt: iso(m.deletingAt),
      nextStartAt: iso(m.nextStartAt),
      deadline: iso(m.deadline),
      maxDeadline: iso(m.maxDeadline),
    };
    for (const k of Object.keys(db) as Array<keyof typeof db>) {
      if (String(db[k]) !== String(model[k])) out.push(`  ${id} ${k}: database ${db[k]}, oracle ${model[k]}`);
    }
    if (out.length >= 20) break;
  }
  return out;
}

async function applyAdmin(ops: Ops, oracle: Oracle, e: AdminEdit, at: Date): Promise<void> {
  if (e.kind === 'template') {
    await ops.templates.update(e.templateId, e.options);
    oracle.updateTemplate(e.templateId, e.change, at);
  } else {
    await ops.users.setStatus(e.ownerId, e.status);
    oracle.setOwnerStatus(e.ownerId, e.status);
  }
}

/** One person's edit through the operations module, mirrored in the oracle; true when it made a build. */
async function applyEdit(ops: Ops, oracle: Oracle, e: Edit, at: Date, T: Date, fail: (message: string) => SoakFailure): Promise<boolean> {
  const refuse = (what: string, err: unknown) =>
    fail(`minute ${T.toISOString()}: ${what} of ${e.workspaceId} was refused, the oracle allowed it: ${(err as Error).message}`);
  switch (e.kind) {
    case 'start':
    case 'stop': {
      const predicted = oracle.startOrStop(e.workspaceId, e.kind, at);
      try {
        await (e.kind === 'start' ? ops.workspaces.start(e.workspaceId) : ops.workspaces.stop(e.workspaceId));
      } catch (err) {
        if (predicted.refused !== null) return false;
        throw refuse(e.kind, err);
      }
      if (predicted.refused !== null) {
        throw fail(`minute ${T.toISOString()}: ${e.kind} of ${e.workspaceId} succeeded, the oracle refuses it (${predicted.refused})`);
      }
      return true;
    }
    case 'schedule':
      await ops.workspaces.setAutostart(e.workspaceId, e.schedule).catch((err) => {
        throw refuse('setting the schedule', err);
      });
      oracle.setAutostart(e.workspaceId, e.schedule, at);
      return false;
    case 'ttl':
      await ops.workspaces.setTtl(e.workspaceId, e.ttlMs).catch((err) => {
        throw refuse('setting the TTL', err);
      });
      oracle.setTtl(e.workspaceId, e.ttlMs);
      return false;
    case 'dormant':
      await ops.workspaces.setDormant(e.workspaceId, true).catch((err) => {
        throw refuse('marking dormant', err);
      });
      oracle.markDormant(e.workspaceId, at);
      return false;
    case 'failure':
      await ops.workspaces.setSimulatedFailure(e.workspaceId, e.transitions as Transition[] | null).catch((err) => {
        throw refuse('switching the simulated failure', err);
      });
      oracle.setFailure(e.workspaceId, e.transitions);
      return false;
  }
}
