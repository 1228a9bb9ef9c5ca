// The worker's Prometheus series (docs/operations.md#metrics-and-health). One
// registry per worker, made by whoever makes the worker and handed to what
// records into it — the engine's evaluation, the build activities, the
// notification deliverer, the tick's sink (src/metrics/sinks.ts) — and never
// module state, so that several workers in one process keep their own
// counts. Workflow code does not touch it: what only the tick workflow knows
// reaches it through that sink.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EndedJob } from '../builds/complete-job.js';
import type { OutboxBacklog } from '../db/sql/outbox-backlog.js';
import type { EvaluationOutcome } from '../engine/outcome.js';
import type { Transition } from '../lifecycle/index.js';
import { withTimeout } from '../runtime/timeout.js';
import type { TickStats } from '../workflows/tick-stats.js';
import { errorClass } from './error-class.js';

/** A scrape waits this long at most for the outbox's figures; past it they keep their last values. */
const BACKLOG_TIMEOUT_MS = 2000;

const TRANSITIONS: Transition[] = ['start', 'stop', 'delete'];
const BUILD_OUTCOMES: EndedJob['status'][] = ['succeeded', 'failed', 'canceled'];
const OUTCOME_KINDS: EvaluationOutcome['kind'][] = ['transition', 'marked', 'unchanged', 'skipped', 'error'];

export class Metrics {
  private readonly registry = new Registry();
  private outbox: (() => Promise<OutboxBacklog>) | null = null;
  private backlogRead: Promise<OutboxBacklog | null> | undefined;

  private readonly tickDuration = new Histogram({
    name: 'autobuild_tick_duration_seconds',
    help: "Time from a tick's start to the end of its last workspace's evaluation, all pages included",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly tickLag = new Histogram({
    name: 'autobuild_tick_lag_seconds',
    help: "Time from the minute T a workspace is evaluated at to the commit of that evaluation's transaction",
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly tickCandidates = new Histogram({
    name: 'autobuild_tick_candidates',
    help: 'Workspaces the candidate query returned for one tick, all pages included',
    buckets: [0, 1, 10, 50, 100, 500, 1000, 5000, 10_000, 50_000, 100_000],
    registers: [this.registry],
  });
  private readonly evaluations = new Counter({
    name: 'autobuild_evaluations_total',
    help: "Evaluations of a workspace by the engine (a tick's or a re-evaluation), by outcome",
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly transitions = new Counter({
    name: 'autobuild_transitions_total',
    help: 'Builds the engine made, by transition and reason',
    labelNames: ['transition', 'reason'],
    registers: [this.registry],
  });
  private readonly skipped = new Counter({
    name: 'autobuild_evaluations_skipped_total',
    help: 'Candidates the engine did not evaluate, or whose evaluation did nothing although something may have been due, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'autobuild_errors_total',
    help: "Failed activity attempts and evaluations that ended in an error, by where (the activity's name) and class",
    labelNames: ['source', 'class'],
    registers: [this.registry],
  });
  private readonly builds = new Counter({
    name: 'autobuild_builds_total',
    help: "Build jobs this worker ended, by the build's transition and the job's outcome",
    labelNames: ['transition', 'outcome'],
    registers: [this.registry],
  });
  private readonly buildDuration = new Histogram({
    name: 'autobuild_build_duration_seconds',
    help: "Time from a build job's start to its end, by the build's transition and the job's outcome",
    labelNames: ['transition', 'outcome'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  private readonly delivered = new Counter({
    name: 'autobuild_notifications_delivered_total',
    help: 'Notifications this worker delivered, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  // Read from the database at each scrape: the same figures in every worker, whichever delivers.
  private readonly pending: Gauge = new Gauge({
    name: 'autobuild_notifications_pending',
    help: 'Notifications in the outbox not yet delivered (the whole database, not only this worker)',
    registers: [this.registry],
    collect: () => this.readBacklog(),
  });
  private readonly oldestPendingAge: Gauge = new Gauge({
    name: 'autobuild_notifications_oldest_pending_age_seconds',
    help: 'Age of the oldest notification not yet delivered; 0 when none is pending',
    registers: [this.registry],
    collect: () => this.readBacklog(),
  });
  private readonly failed = new Counter({
    name: 'autobuild_notifications_failed_total',
    help: 'Failed deliveries of a notification by this worker (each is retried after its backoff), by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Every series a query divides by or alerts on exists from the start, at 0.
    for (const outcome of OUTCOME_KINDS) this.evaluations.inc({ outcome }, 0);
    for (const transition of TRANSITIONS) for (const outcome of BUILD_OUTCOMES) this.builds.inc({ transition, outcome }, 0);
  }

  /** How the outbox gauges read the database (main.ts gives the worker's pool). */
  watchOutbox(read: () => Promise<OutboxBacklog>): void {
    this.outbox = read;
  }

  /** One evaluation's outcome, right after its transaction ended at `endedAt` (ms since the epoch). */
  /** `endedAt`: when the evaluation's transaction ended, by the database's clock (null when it read no workspace). */
  evaluated(o: EvaluationOutcome, endedAt: number | null): void {
    if (o.replayed) return; // the attempt that committed it counted it
    this.evaluations.inc({ outcome: o.kind });
    if (o.kind === 'skipped') {
      this.skipped.inc({ reason: o.skipped ?? 'gone' });
      return;
    }
    if (endedAt !== null) this.tickLag.observe(Math.max(0, endedAt - Date.parse(o.tick)) / 1000);
    if (o.kind === 'transition') this.transitions.inc({ transition: o.transition!, reason: o.reason! });
    // The only error an evaluation returns rather than throws besides bad data: a build is still active.
    if (o.kind === 'error') this.errors.inc({ source: 'evaluate', class: o.invalidData ? 'invalid_data' : 'build_active' });
  }

  /**
   * A tick's last page ended (all its runs' statistics). Its duration is the
   * tick's own elapsedMs, measured in workflow time (the Temporal server's
   * clock), not by this worker's clock, which may disagree with it.
   */
  tickCompleted(stats: TickStats): void {
    this.tickDuration.observe(Math.max(0, stats.elapsedMs) / 1000);
    this.tickCandidates.observe(stats.candidates);
    // Only the tick knows these: the workspace's own workflow was running, so no evaluation ran.
    const alreadyRunning = stats.skipped['already running'] ?? 0;
    if (alreadyRunning > 0) this.skipped.inc({ reason: 'already running' }, alreadyRunning);
  }

  /** A build job this worker ended; its duration only when it ran (a job canceled before it started has none). */
  buildEnded(job: EndedJob): void {
    const labels = { transition: job.transition, outcome: job.status };
    this.builds.inc(labels);
    if (job.startedAt !== null) this.buildDuration.observe(labels, Math.max(0, job.completedAt.getTime() - job.startedAt.getTime()) / 1000);
  }

  notificationDelivered(kind: string): void {
    this.delivered.inc({ kind });
  }

  notificationFailed(kind: string): void {
    this.failed.inc({ kind });
  }

  error(source: string, err: unknown): void {
    this.errors.inc({ source, class: errorClass(err) });
  }

  /** The Prometheus text format of every series. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Sets both outbox gauges; the two gauges of one scrape share one database read. */
  private async readBacklog(): Promise<void> {
    const read = this.outbox;
    if (read === null) return;
    this.backlogRead ??= withTimeout(read(), BACKLOG_TIMEOUT_MS, `no answer within ${BACKLOG_TIMEOUT_MS} ms`)
      .catch((err) => {
        this.error('metrics', err);
        return null;
      })
      .finally(() => {
        this.backlogRead = undefined;
      });
    const backlog = await this.backlogRead;
    if (backlog === null) return;
    this.pending.set(backlog.pending);
    this.oldestPendingAge.set(backlog.oldestAgeSeconds);
  }
}
