// The CLI as a user runs it: `node bin/autobuild.mjs ...` in a child process,
// pointed at a fresh database and the run's Temporal dev server through the
// environment, with a real worker (in this process) on a task queue of its own.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { expect } from 'vitest';
import { loadProvisioningConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createWorker } from '../../src/worker.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv, PROJECT_ROOT } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal, workflowBundle } from '../helpers/temporal.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: the tests read the CLI's JSON output field by field
  json<T = any>(): T;
}

export interface CliHarness {
  db: TestDatabase;
  temporal: TestTemporal;
  taskQueue: string;
  env: Record<string, string>;
  /** Runs `autobuild <args>`; never rejects (the exit code is in the result). */
  cli(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  spawn(args: string[]): { child: ChildProcess; done: Promise<CliResult> };
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

const quietLog = createLogger({ level: 'error', format: 'json' });

/** The zone the CLI's human output is checked in (it names the zone it prints). */
export const TEST_TZ = 'America/Chicago';

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return spawnCli(args, env, timeoutMs).done;
}

/** The child process too, for signalling it. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): { child: ChildProcess; done: Promise<CliResult> } {
  let child!: ChildProcess;
  const done = new Promise<CliResult>((resolve) => {
    child = execFile(
      process.execPath,
      ['bin/autobuild.mjs', ...args],
      { cwd: PROJECT_ROOT, env, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          json: () => {
            try {
              return JSON.parse(stdout);
            } catch {
              throw new Error(`not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
            }
          },
        });
      },
    );
  });
  return { child, done };
}

export async function startCliHarness(opts: { simulatedDurationMs?: number } = {}): Promise<CliHarness> {
  const [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  // An empty data folder: no runtime.json from a developer's `npm start` leaks in.
  const dataDir = await mkdtemp(join(tmpdir(), 'autobuild-cli-'));
  const taskQueue = temporal.taskQueue;
  const env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    AUTOBUILD_TASK_QUEUE: taskQueue,
    AUTOBUILD_DATA_DIR: dataDir,
    TZ: TEST_TZ,
  };
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const h: CliHarness = {
    db,
    temporal,
    taskQueue,
    env,
    cli: (args, extraEnv = {}) => runCli(args, cleanEnv({ ...env, ...extraEnv })),
    spawn: (args) => spawnCli(args, cleanEnv(env)),
    async startWorker() {
      worker = await createWorker({
        connection: temporal.nativeConnection,
        namespace: 'default',
        taskQueue,
        pool: db.pool,
        log: quietLog,
        client: temporal.client,
        workflowBundle: await workflowBundle(),
        provisioning: { ...loadProvisioningConfig({}), simulatedDurationMs: opts.simulatedDurationMs ?? 300 },
      });
      running = worker.run();
    },
    async stopWorker() {
      worker?.shutdown();
      await running;
      worker = undefined;
      running = undefined;
    },
    async close() {
      await h.stopWorker();
      await temporal.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** A refusal: exit `code` (1), exactly one line on stderr matching `message`, no stack trace. */
export function expectRefused(r: CliResult, message: RegExp, code = 1): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^autobuild: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}
