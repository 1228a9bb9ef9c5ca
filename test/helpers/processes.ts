// Runs the project's entry points as a user would: a real child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startScriptNodeFlags } from '../../bench/lib/start-script.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves when a line matching `pattern` appears; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Environment without the variables that would point the child at the developer's services. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('TEMPORAL_') || k.startsWith('AUTOBUILD_') || k.startsWith('OTEL_') || k === 'DATABASE_URL') delete env[k];
  }
  return { ...env, LOG_FORMAT: 'json', ...extra };
}

/** Compiled entry points (dist/*.js) run with plain node, as users run them; TypeScript fixtures through tsx. */
export function spawnEntry(script: string, args: string[], env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Spawned {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...loader, script, ...args], { cwd: PROJECT_ROOT, env });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            cleanup();
            resolve(line);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        exited.then((code) => {
          cleanup();
          reject(new Error(`process exited (${code}) before ${pattern}; output:\n${out}`));
        });
        listeners.add(check);
        check();
      }),
  };
}

/**
 * `npm start` as package.json runs it: the same Node flags, the same entry
 * point. Its HTTP API and its two metrics ports get free ports unless the test
 * names them: the defaults (7080, 9464, 9465) may be held by a developer's own
 * `npm start`, or another test's.
 */
export const spawnMain = (env: NodeJS.ProcessEnv) =>
  spawnEntry(
    'dist/main.js',
    [],
    { AUTOBUILD_API_PORT: '0', AUTOBUILD_METRICS_PORT: '0', AUTOBUILD_SDK_METRICS_PORT: '0', ...env },
    startScriptNodeFlags(),
  );
