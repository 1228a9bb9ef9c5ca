// Activity reports through the HTTP API (run only when named): N running
// workspaces, none due for anything, each reported once a minute through
// POST /api/v1/activity in batches of 1,000, the batches spread evenly over the
// minute and sent by C concurrent HTTP clients (a proxy fleet), for M minutes,
// against one API process started as `npm run api` does (dist/api-main.js,
// real HTTP on a loopback port). The engine's worker (dist/main.js, as
// `npm start` runs it) runs beside it with the tick schedule resumed, so a tick
// fires every minute: during idle minutes first, then under the load.
//
// Measured: latency per batch request (from the request to the last byte of
// the answer, open loop: each request is sent at its time whatever the others
// do; a client gives up on a request after 30 s, as a proxy would), what the answers say (written, coalesced, bumped), the rows the
// database updated (pg_stat_user_tables) and the WAL it wrote, CPU seconds of
// the API process, PostgreSQL, the worker, the Temporal server and this
// process, the API's RSS, the ticks' durations and the candidate query's
// timings before and during the load.
import http from 'node:http';
import { loadavg } from 'node:os';
import type { Pool } from '../../src/db/pool.js';
import { truncateToMinute } from '../../src/lifecycle/index.js';
import type { BenchContext } from '../lib/context.js';
import { seconds, sleep } from '../lib/context.js';
import {
  createOwnerToken,
  describeTickSchedule,
  findCandidates,
  pauseSchedule,
  quietSchedule,
  resumeSchedule,
  runningScheduledTicks,
  startTick,
  type TickStats,
} from '../lib/engine.js';
import { percentile, round } from '../lib/stats.js';
import { ACTIVITY_BUMP_MS, seedRunning, spreadActivityDeadlines } from '../seed.js';
import { TICK_PAGE } from './queries.js';

/** A reporter gives up on a batch after this long (counted failed, with this latency). */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface ActivityRequest {
  /** The report minute (0-based) and the batch's place in it. */
  minute: number;
  batch: number;
  client: number;
  /** How late the request left against its slot (this process's timers), ms. */
  lagMs: number;
  latencyMs: number;
  status: number;
  reports: number;
  written: number;
  coalesced: number;
  bumped: number;
  notFound: number;
  error?: string;
}

export interface ActivityTick {
  workflowId: string;
  phase: 'idle' | 'load';
  scheduledAt: string;
  /** From the workflow's start to its close (server clock). */
  seconds: number | null;
  /** The tick's own account (workflow clock). */
  elapsedMs: number | null;
  candidates: number | null;
  transitions: number | null;
}

export interface ActivityMinute {
  minute: number;
  requests: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  latencyMaxMs: number | null;
  written: number;
  coalesced: number;
  bumped: number;
  /** Rows of workspaces + workspace_builds updated in the minute (statistics flushed up to about a second late). */
  rowsUpdated: number;
  apiCpuSeconds: number | null;
  postgresCpuSeconds: number | null;
}

interface PhaseFigures {
  n: number;
  medianSeconds: number | null;
  maxSeconds: number | null;
  medianElapsedMs: number | null;
  maxElapsedMs: number | null;
  candidates: number;
}

export interface ActivityRun {
  workspaces: number;
  minutes: number;
  idleMinutes: number;
  periodSeconds: number;
  batchSize: number;
  batchesPerMinute: number;
  clients: number;
  /** Running workspaces with an autostart schedule (none fires within the hour). */
  scheduledWorkspaces: number;
  seedSeconds: number;
  requests: number;
  /** Requests that did not answer 200, failed on the wire or got no answer in REQUEST_TIMEOUT_MS (their latency is the time they failed after). */
  failedRequests: number;
  timedOutRequests: number;
  reports: number;
  notFound: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  latencyMaxMs: number | null;
  latencyMeanMs: number | null;
  /** The latest any request left against its slot (this process's own timers), ms. */
  sendLagMaxMs: number | null;
  written: number;
  coalesced: number;
  bumped: number;
  /** Reports answered written (not coalesced), per workspace per minute. */
  writtenPerWorkspaceMinute: number;
  bumpedPerWorkspaceMinute: number;
  rowsUpdated: { workspaces: number; workspacesHot: number; workspaceBuilds: number; workspaceBuildsHot: number; apiTokens: number };
  /** Rows of workspaces and workspace_builds updated, per workspace per minute (target ≤ 1). */
  rowsPerWorkspaceMinute: number;
  /** Share of those updates that were HOT (no index entries written). */
  hotShare: number | null;
  walMbPerMinute: number | null;
  apiCpuSecondsPerMinute: number | null;
  postgresCpuSecondsPerMinute: number | null;
  workerCpuSecondsPerMinute: number | null;
  serverCpuSecondsPerMinute: number | null;
  /** This process: the reporters (and the harness's own sampling). */
  benchCpuSecondsPerMinute: number | null;
  /** API CPU per batch request, ms. */
  apiCpuMsPerRequest: number | null;
  postgresCpuMsPerRequest: number | null;
  idle: {
    apiCpuSecondsPerMinute: number | null;
    postgresCpuSecondsPerMinute: number | null;
    workerCpuSecondsPerMinute: number | null;
  };
  apiRssMbBefore: number | null;
  apiPeakRssMb: number | null;
  apiRssMbAfter: number | null;
  ticks: { idle: PhaseFigures; load: PhaseFigures; runs: ActivityTick[] };
  candidateQuery: {
    idle: { n: number; p50Ms: number | null; p99Ms: number | null };
    load: { n: number; p50Ms: number | null; p99Ms: number | null };
  };
  perMinute: ActivityMinute[];
  loadAverage: number;
  apiProblems: string[];
  workerProblems: string[];
}

interface Snapshot {
  at: number;
  api: number | null;
  postgres: number | null;
  worker: number | null;
  server: number | null;
  bench: number;
  tables: TableStats;
}

interface TableStats {
  workspaces: { upd: number; hot: number };
  workspaceBuilds: { upd: number; hot: number };
  apiTokens: number;
  walBytes: bigint;
}

export async function runActivity(ctx: BenchContext): Promise<ActivityRun> {
  const { stack, progress, profile } = ctx;
  const p = profile.activity;
  const n = p.workspaces;
  const periodMs = p.periodSeconds * 1000;
  const batches = Math.ceil(n / p.batch);
  const db = await ctx.database('activity');
  const client = stack.client;

  await quietSchedule(client);
  progress.update(`activity: seeding ${n.toLocaleString()} running workspaces`);
  const T = truncateToMinute(new Date());
  const seeded = await seedRunning(db.pool, {
    workspaces: n,
    at: T,
    salt: `activity-${ctx.runId}`,
    onProgress: (done, total) =>
      progress.update(`activity: seeding ${done.toLocaleString()} / ${total.toLocaleString()} running workspaces`),
  });
  progress.log(`activity: seeded ${n.toLocaleString()} running workspaces in ${seeded.seconds.toFixed(1)} s`);

  const taskQueue = `bench-activity-${ctx.runId}`;
  const token = await createOwnerToken(db.pool, client, taskQueue, 'bench-user-1');
  progress.update('activity: starting the engine worker and the API');
  const worker = await stack.startEngineWorker({ databaseUrl: db.url, taskQueue });
  let api: Awaited<ReturnType<typeof stack.startApi>> | null = null;
  const agents = Array.from({ length: p.clients }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  let stopWatchers = async () => {};
  try {
    api = await stack.startApi({ databaseUrl: db.url, taskQueue });
    const url = new URL(api.url);
    // The reporters' bodies: batch b holds workspaces b·size+1 … (b+1)·size, by id; observedAt left to the database clock.
    const bodies = Array.from({ length: batches }, (_, b) =>
      Buffer.from(
        JSON.stringify({ reports: seeded.ids.slice(b * p.batch, (b + 1) * p.batch).map((id) => ({ workspace: id, source: 'proxy' })) }),
      ),
    );
    const send = (agent: http.Agent, body: Buffer) => postActivity(agent, url, token, body);

    // Warm-up, unmeasured: the tick workflow once, and the API's route with ids that name no workspace (nothing is written).
    progress.update('activity: warming up (a manual tick, 5 batches of unknown ids)');
    await (await startTick(client, taskQueue, truncateToMinute(new Date()))).result();
    const unknown = Buffer.from(
      JSON.stringify({
        reports: Array.from({ length: Math.min(p.batch, 20) }, (_, i) => ({
          workspace: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          source: 'proxy',
        })),
      }),
    );
    for (let i = 0; i < 5; i++) {
      // (20 ids each: the route, the token check and both statements' plans, whatever one statement costs per id)
      const r = await send(agents[0]!, unknown);
      if (r.status !== 200) throw new Error(`activity: warm-up request answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
    }

    // The tick schedule runs from here on; its runs are collected as they are taken.
    await resumeSchedule(client);
    const tickIds = new Map<string, Date>();
    const candidateMs: Array<{ phase: 'idle' | 'load'; ms: number }> = [];
    const now: { phase: 'idle' | 'load' | 'done' } = { phase: 'idle' };
    stopWatchers = async () => {
      now.phase = 'done';
      await watchers;
    };
    let watcherError: string | null = null;
    const watchers = (async () => {
      let lastSchedule = 0;
      while (now.phase !== 'done') {
        if (Date.now() - lastSchedule >= 5_000) {
          lastSchedule = Date.now();
          for (const a of (await describeTickSchedule(client))?.recentActions ?? []) tickIds.set(a.workflowId, new Date(a.scheduledAt));
        }
        const t0 = performance.now();
        await findCandidates(db.pool, { at: truncateToMinute(new Date()), limit: TICK_PAGE });
        const phase = now.phase as 'idle' | 'load' | 'done'; // it may have changed while the query ran
        if (phase !== 'done') candidateMs.push({ phase, ms: performance.now() - t0 });
        await sleep(2_000);
      }
    })().catch((err: Error) => {
      // An interrupted run closes the pool under it; a real failure is reported with the figures.
      if (now.phase !== 'done') watcherError = err.message;
    });

    const snapshot = async (): Promise<Snapshot> => {
      const at = Date.now();
      const cpu = {
        api: api!.cpuSeconds(),
        postgres: stack.postgresCpuSeconds(),
        worker: worker.cpuSeconds(),
        server: stack.serverCpuSeconds(),
        bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      };
      return { at, ...cpu, tables: await tableStats(db.pool) };
    };

    const idleStart = await snapshot();
    if (p.idleMinutes > 0) {
      const until = Date.now() + p.idleMinutes * periodMs;
      while (Date.now() < until) {
        progress.update(`activity: idle, ${Math.ceil((until - Date.now()) / 1000)} s before the reports start`);
        await sleep(Math.min(5_000, until - Date.now()));
      }
    }
    const idleEnd = await snapshot();

    progress.update('activity: spreading the deadlines (the bump comes due for each in the next 3 minutes)');
    const before = await tableStats(db.pool);
    const spread = await spreadActivityDeadlines(db.pool, new Date(Date.now() + 1_000), ACTIVITY_BUMP_MS);
    // That update's rows must be in the statistics before the window opens (it flushes them itself; this makes sure).
    for (let i = 0; i < 30; i++) {
      const t = await tableStats(db.pool);
      if (t.workspaceBuilds.upd - before.workspaceBuilds.upd >= spread && t.workspaces.upd - before.workspaces.upd >= spread) break;
      await sleep(500);
    }
    const loadStart = Date.now() + 1_000;
    api.resetPeakRss();
    const apiRssMbBefore = api.rssMb();
    while (Date.now() < loadStart - 200) await sleep(50);
    now.phase = 'load';
    const start = await snapshot();

    // Open loop: batch b of minute m leaves at loadStart + m·period + b·period/batches, on client b mod C.
    const requests: ActivityRequest[] = [];
    const inFlight: Promise<void>[] = [];
    const boundaries: Snapshot[] = [start];
    const sampler = (async () => {
      for (let m = 1; m <= p.minutes; m++) {
        await sleepUntil(loadStart + m * periodMs);
        boundaries.push(await snapshot());
      }
    })();
    sampler.catch(() => {}); // awaited below; handled meanwhile, so an interrupted run (pools closed under it) does not crash
    for (let m = 0; m < p.minutes; m++) {
      for (let b = 0; b < batches; b++) {
        const slot = loadStart + m * periodMs + (b * periodMs) / batches;
        await sleepUntil(slot);
        const c = b % p.clients;
        const lagMs = Date.now() - slot;
        const t0 = performance.now();
        inFlight.push(
          send(agents[c]!, bodies[b]!).then(
            (r) => {
              requests.push({ minute: m, batch: b, client: c, lagMs, latencyMs: performance.now() - t0, status: r.status, ...count(r) });
            },
            (err: Error) => {
              requests.push({
                minute: m,
                batch: b,
                client: c,
                lagMs,
                latencyMs: performance.now() - t0,
                status: 0,
                reports: 0,
                written: 0,
                coalesced: 0,
                bumped: 0,
                notFound: 0,
                error: err.message,
              });
            },
          ),
        );
        if (b % 10 === 0) {
          const done = requests.length;
          progress.update(
            `activity: minute ${m + 1}/${p.minutes}, ${done.toLocaleString()} batches answered, ` +
              `p99 so far ${done ? percentile(sorted(requests.map((r) => r.latencyMs)), 99).toFixed(0) : '—'} ms`,
          );
        }
      }
    }
    await sampler;
    await Promise.all(inFlight);
    const end = await snapshot();
    now.phase = 'done';
    await watchers;
    const apiPeakRssMb = api.peakRssMb();
    const apiRssMbAfter = api.rssMb();
    const loadAtEnd = loadavg()[0]!;
    const apiProblems = api.problems().slice(-5);

    // Stopping the API ends its connections, and a backend that exits flushes its statistics: the totals are then complete.
    progress.update('activity: stopping the API, reading the statistics');
    await api.stop();
    api = null;
    let tables = await tableStats(db.pool);
    for (let i = 0; i < 24; i++) {
      await sleep(500);
      const again = await tableStats(db.pool);
      const same = again.workspaces.upd === tables.workspaces.upd && again.workspaceBuilds.upd === tables.workspaceBuilds.upd;
      tables = again;
      if (same && i >= 1) break;
    }

    progress.update('activity: collecting the ticks');
    await pauseSchedule(client);
    for (let i = 0; i < 120 && (await runningScheduledTicks(client)).length > 0; i++) await sleep(500);
    for (const a of (await describeTickSchedule(client))?.recentActions ?? []) tickIds.set(a.workflowId, new Date(a.scheduledAt));
    const loadEnd = loadStart + p.minutes * periodMs;
    const ticks: ActivityTick[] = [];
    for (const [workflowId, scheduledAt] of [...tickIds].sort((a, b) => a[1].getTime() - b[1].getTime())) {
      const at = scheduledAt.getTime();
      // A tick belongs to the phase it was scheduled in; the idle phase starts after the warm-up.
      const tickPhase = at >= idleStart.at && at < idleEnd.at ? 'idle' : at >= loadStart && at < loadEnd ? 'load' : null;
      if (tickPhase === null) continue;
      ticks.push(await tickRun(ctx, workflowId, tickPhase, scheduledAt));
    }

    const minutes = p.minutes;
    const workspaceMinutes = n * minutes;
    if (watcherError) throw new Error(`activity: the tick and candidate-query watcher failed: ${watcherError}`);
    // Every request counts, a failed one with the time it failed after: a timeout is a latency of at least REQUEST_TIMEOUT_MS.
    const lat = sorted(requests.map((r) => r.latencyMs));
    const sum = (f: (r: ActivityRequest) => number) => requests.reduce((a, r) => a + f(r), 0);
    const delta = (from: Snapshot, to: Snapshot, k: 'api' | 'postgres' | 'worker' | 'server' | 'bench') =>
      from[k] === null || to[k] === null ? null : to[k]! - from[k]!;
    const perMin = (x: number | null, mins: number) => (x === null || mins <= 0 ? null : x / mins);
    const rows = {
      workspaces: tables.workspaces.upd - start.tables.workspaces.upd,
      workspacesHot: tables.workspaces.hot - start.tables.workspaces.hot,
      workspaceBuilds: tables.workspaceBuilds.upd - start.tables.workspaceBuilds.upd,
      workspaceBuildsHot: tables.workspaceBuilds.hot - start.tables.workspaceBuilds.hot,
      apiTokens: tables.apiTokens - start.tables.apiTokens,
    };
    const rowsTotal = rows.workspaces + rows.workspaceBuilds;
    const loadMinutes = (end.at - start.at) / 60_000;
    const idleMinutes = p.idleMinutes > 0 ? (idleEnd.at - idleStart.at) / 60_000 : 0;
    const phaseFigures = (ph: 'idle' | 'load'): PhaseFigures => {
      const t = ticks.filter((x) => x.phase === ph);
      const secs = sorted(t.map((x) => x.seconds).filter((x): x is number => x !== null));
      const el = sorted(t.map((x) => x.elapsedMs).filter((x): x is number => x !== null));
      return {
        n: t.length,
        medianSeconds: secs.length ? round(percentile(secs, 50)) : null,
        maxSeconds: secs.length ? round(secs.at(-1)!) : null,
        medianElapsedMs: el.length ? round(percentile(el, 50)) : null,
        maxElapsedMs: el.length ? round(el.at(-1)!) : null,
        candidates: t.reduce((a, x) => a + (x.candidates ?? 0), 0),
      };
    };
    const queryFigures = (ph: 'idle' | 'load') => {
      const ms = sorted(candidateMs.filter((x) => x.phase === ph).map((x) => x.ms));
      return { n: ms.length, p50Ms: ms.length ? round(percentile(ms, 50)) : null, p99Ms: ms.length ? round(percentile(ms, 99)) : null };
    };
    const perMinute: ActivityMinute[] = Array.from({ length: minutes }, (_, m) => {
      const r = requests.filter((x) => x.minute === m);
      const l = sorted(r.map((x) => x.latencyMs));
      const a = boundaries[m]!;
      const b = boundaries[m + 1] ?? end;
      return {
        minute: m + 1,
        requests: r.length,
        latencyP50Ms: l.length ? round(percentile(l, 50)) : null,
        latencyP99Ms: l.length ? round(percentile(l, 99)) : null,
        latencyMaxMs: l.length ? round(l.at(-1)!) : null,
        written: r.reduce((s, x) => s + x.written, 0),
        coalesced: r.reduce((s, x) => s + x.coalesced, 0),
        bumped: r.reduce((s, x) => s + x.bumped, 0),
        rowsUpdated: b.tables.workspaces.upd - a.tables.workspaces.upd + (b.tables.workspaceBuilds.upd - a.tables.workspaceBuilds.upd),
        apiCpuSeconds: delta(a, b, 'api'),
        postgresCpuSeconds: delta(a, b, 'postgres'),
      };
    });
    const apiCpu = delta(start, end, 'api');
    const pgCpu = delta(start, end, 'postgres');
    const written = sum((r) => r.written);
    return {
      workspaces: n,
      minutes,
      idleMinutes: p.idleMinutes,
      periodSeconds: p.periodSeconds,
      batchSize: p.batch,
      batchesPerMinute: batches,
      clients: p.clients,
      scheduledWorkspaces: seeded.scheduled,
      seedSeconds: seeded.seconds,
      requests: requests.length,
      failedRequests: requests.filter((r) => r.status !== 200).length,
      timedOutRequests: requests.filter((r) => r.error === TIMED_OUT).length,
      reports: sum((r) => r.reports),
      notFound: sum((r) => r.notFound),
      latencyP50Ms: lat.length ? percentile(lat, 50) : null,
      latencyP99Ms: lat.length ? percentile(lat, 99) : null,
      latencyMaxMs: lat.length ? lat.at(-1)! : null,
      latencyMeanMs: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : null,
      sendLagMaxMs: requests.length ? Math.max(...requests.map((r) => r.lagMs)) : null,
      written,
      coalesced: sum((r) => r.coalesced),
      bumped: sum((r) => r.bumped),
      writtenPerWorkspaceMinute: written / workspaceMinutes,
      bumpedPerWorkspaceMinute: sum((r) => r.bumped) / workspaceMinutes,
      rowsUpdated: rows,
      rowsPerWorkspaceMinute: rowsTotal / workspaceMinutes,
      hotShare: rowsTotal > 0 ? (rows.workspacesHot + rows.workspaceBuildsHot) / rowsTotal : null,
      walMbPerMinute: perMin(Number(tables.walBytes - start.tables.walBytes) / 1e6, loadMinutes),
      apiCpuSecondsPerMinute: perMin(apiCpu, loadMinutes),
      postgresCpuSecondsPerMinute: perMin(pgCpu, loadMinutes),
      workerCpuSecondsPerMinute: perMin(delta(start, end, 'worker'), loadMinutes),
      serverCpuSecondsPerMinute: perMin(delta(start, end, 'server'), loadMinutes),
      benchCpuSecondsPerMinute: perMin(delta(start, end, 'bench'), loadMinutes),
      apiCpuMsPerRequest: apiCpu === null || requests.length === 0 ? null : (apiCpu * 1000) / requests.length,
      postgresCpuMsPerRequest: pgCpu === null || requests.length === 0 ? null : (pgCpu * 1000) / requests.length,
      idle: {
        apiCpuSecondsPerMinute: perMin(delta(idleStart, idleEnd, 'api'), idleMinutes),
        postgresCpuSecondsPerMinute: perMin(delta(idleStart, idleEnd, 'postgres'), idleMinutes),
        workerCpuSecondsPerMinute: perMin(delta(idleStart, idleEnd, 'worker'), idleMinutes),
      },
      apiRssMbBefore,
      apiPeakRssMb,
      apiRssMbAfter,
      ticks: { idle: phaseFigures('idle'), load: phaseFigures('load'), runs: ticks },
      candidateQuery: { idle: queryFigures('idle'), load: queryFigures('load') },
      perMinute,
      loadAverage: loadAtEnd,
      apiProblems,
      workerProblems: worker.problems().slice(-5),
    };
  } finally {
    await stopWatchers();
    for (const a of agents) a.destroy();
    await quietSchedule(client).catch(() => {});
    if (api) await api.stop();
    await worker.stop();
  }
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

async function sleepUntil(at: number): Promise<void> {
  const d = at - Date.now();
  if (d > 0) await sleep(d);
}

const TIMED_OUT = `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`;

function postActivity(agent: http.Agent, url: URL, token: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
  let timer: NodeJS.Timeout | undefined;
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/api/v1/activity',
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // From the send, queueing behind this client's previous request included.
    timer = setTimeout(() => req.destroy(new Error(TIMED_OUT)), REQUEST_TIMEOUT_MS);
    req.end(body);
  }).finally(() => clearTimeout(timer));
}

type Counts = Pick<ActivityRequest, 'reports' | 'written' | 'coalesced' | 'bumped' | 'notFound'> & { error?: string };

function count(r: { status: number; body: Buffer }): Counts {
  const c: Counts = { reports: 0, written: 0, coalesced: 0, bumped: 0, notFound: 0 };
  if (r.status !== 200) return { ...c, error: r.body.toString().slice(0, 300) };
  const { results } = JSON.parse(r.body.toString()) as { results: Array<{ coalesced?: boolean; bumped?: boolean; error?: unknown }> };
  for (const x of results) {
    c.reports++;
    if (x.error !== undefined) c.notFound++;
    else if (x.coalesced) c.coalesced++;
    else c.written++;
    if (x.bumped) c.bumped++;
  }
  return c;
}

async function tableStats(pool: Pool): Promise<TableStats> {
  const { rows } = await pool.query<{ relname: string; upd: string; hot: string; lsn: string }>(
    `SELECT relname, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot, pg_current_wal_lsn()::text AS lsn
       FROM pg_stat_user_tables WHERE relname IN ('workspaces', 'workspace_builds', 'api_tokens')`,
  );
  const get = (name: string) => rows.find((r) => r.relname === name);
  const num = (name: string, k: 'upd' | 'hot') => Number(get(name)?.[k] ?? 0);
  const [hi, lo] = (rows[0]?.lsn ?? '0/0').split('/');
  return {
    workspaces: { upd: num('workspaces', 'upd'), hot: num('workspaces', 'hot') },
    workspaceBuilds: { upd: num('workspace_builds', 'upd'), hot: num('workspace_builds', 'hot') },
    apiTokens: num('api_tokens', 'upd'),
    walBytes: (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`),
  };
}

async function tickRun(ctx: BenchContext, workflowId: string, phase: 'idle' | 'load', scheduledAt: Date): Promise<ActivityTick> {
  const handle = ctx.stack.client.workflow.getHandle<() => Promise<TickStats>>(workflowId);
  const out: ActivityTick = {
    workflowId,
    phase,
    scheduledAt: scheduledAt.toISOString(),
    seconds: null,
    elapsedMs: null,
    candidates: null,
    transitions: null,
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    const stats = await Promise.race([
      handle.result(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), 120_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const d = await handle.describe();
    if (d.closeTime) out.seconds = seconds(d.startTime.getTime(), d.closeTime.getTime());
    if (stats) {
      out.elapsedMs = stats.elapsedMs;
      out.candidates = stats.candidates;
      out.transitions = Object.values(stats.transitions).reduce((a, b) => a + b, 0);
    }
  } catch {
    // terminated or gone: its figures stay null
  }
  return out;
}
