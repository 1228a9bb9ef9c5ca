// Runs an operator's executable for each job (docs/provisioning.md): the job
// as JSON on stdin and as AUTOBUILD_* variables, stdout and stderr into the
// job's log, exit 0 = success, anything else = failure with the last lines of
// stderr, killed (its whole process group) after the timeout or on cancel.
import { spawn } from 'node:child_process';
import { formatDuration } from '../lifecycle/index.js';
import type { Provisioner, ProvisionJob, ProvisionResult } from './provisioner.js';

export interface CommandOptions {
  /** Run with `/bin/sh -c`, so it may carry arguments. */
  command: string;
  timeoutMs: number;
  /** The environment the command inherits; the job's variables are added to it. */
  env: Record<string, string>;
  /** Between SIGTERM and SIGKILL when stopping the command. */
  killGraceMs?: number;
}

const STDERR_TAIL_LINES = 10;
const STDERR_TAIL_CHARS = 2000;

export function jobEnvironment(job: ProvisionJob): Record<string, string> {
  return {
    AUTOBUILD_JOB_ID: job.jobId,
    AUTOBUILD_BUILD_NUMBER: String(job.buildNumber),
    AUTOBUILD_WORKSPACE_ID: job.workspace.id,
    AUTOBUILD_WORKSPACE_NAME: job.workspace.name,
    AUTOBUILD_OWNER: job.owner.username,
    AUTOBUILD_TEMPLATE: job.template.name,
    AUTOBUILD_TEMPLATE_VERSION: job.templateVersion.name,
    AUTOBUILD_TRANSITION: job.transition,
    AUTOBUILD_REASON: job.reason,
    AUTOBUILD_ATTEMPT: String(job.attempt),
  };
}

export function commandProvisioner({ command, timeoutMs, env, killGraceMs = 5000 }: CommandOptions): Provisioner {
  return {
    name: 'command',
    provision: (job, { signal, output }) =>
      new Promise<ProvisionResult>((resolve) => {
        // Its own process group, so a timeout or cancel also stops what the command started.
        const child = spawn('/bin/sh', ['-c', command], {
          env: { ...env, ...jobEnvironment(job) },
          detached: true,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stderrTail = '';
        let stopped: 'timeout' | 'canceled' | null = null;
        let settled = false;
        let killLater: NodeJS.Timeout | undefined;
        const killGroup = (sig: NodeJS.Signals) => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, sig);
          } catch {
            // already gone
          }
        };
        const stop = (why: 'timeout' | 'canceled') => {
          if (stopped !== null || settled) return;
          stopped = why;
          output(
            `\n[autobuild] ${why === 'timeout' ? `timed out after ${formatDuration(timeoutMs)}` : 'canceled'}: stopping the command\n`,
          );
          killGroup('SIGTERM');
          killLater = setTimeout(() => killGroup('SIGKILL'), killGraceMs);
          killLater.unref();
        };
        const timer = setTimeout(() => stop('timeout'), timeoutMs);
        const onAbort = () => stop('canceled');
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
        const finish = (result: ProvisionResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          // Once the group is gone its id can be reused: a late SIGKILL would hit another process.
          clearTimeout(killLater);
          signal.removeEventListener('abort', onAbort);
          // Whatever the command left behind in its group goes with it.
          killGroup('SIGKILL');
          resolve(result);
        };

        child.stdout.setEncoding('utf8').on('data', (text: string) => output(text));
        child.stderr.setEncoding('utf8').on('data', (text: string) => {
          output(text);
          stderrTail = (stderrTail + text).slice(-8 * STDERR_TAIL_CHARS);
        });
        child.stdin.on('error', () => {}); // a command that does not read stdin closes it early (EPIPE)
        child.stdin.end(`${JSON.stringify(job)}\n`);

        child.on('error', (err) => finish({ ok: false, error: `cannot run provisioner command: ${err.message}` }));
        // 'close' waits for stdout/stderr to end; a background process the command left
        // holding them must not keep the job open, so 'exit' settles it shortly after.
        const settle = (code: number | null, sig: NodeJS.Signals | null) => {
          if (stopped === 'timeout')
            return finish({ ok: false, error: `provisioner command timed out after ${formatDuration(timeoutMs)} and was killed` });
          if (stopped === 'canceled') return finish({ ok: false, error: 'canceled' });
          if (code === 0) return finish({ ok: true });
          const how = code !== null ? `exited with code ${code}` : `was killed by ${sig}`;
          const tail = lastLines(stderrTail);
          finish({ ok: false, error: tail ? `provisioner command ${how}: ${tail}` : `provisioner command ${how}` });
        };
        child.on('exit', (code, sig) => setTimeout(() => settle(code, sig), 1000).unref());
        child.on('close', settle);
      }),
  };
}

function lastLines(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
  return lines.slice(-STDERR_TAIL_LINES).join('\n').slice(-STDERR_TAIL_CHARS);
}
