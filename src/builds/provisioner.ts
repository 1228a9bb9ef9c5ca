// What a provisioner is given and what it answers (docs/provisioning.md). A
// provisioner does the real work of a build — create, start, stop or destroy
// the workspace's resources — and must be safe to run again for the same job:
// a worker that dies mid-job has the job retried elsewhere with the same id.
import type { ProvisionJobRow } from '../db/sql/provisioner-jobs.js';

/** The job as a provisioner sees it; also the JSON on the command provisioner's stdin. */
export interface ProvisionJob extends ProvisionJobRow {
  /** 1 on the first run of this job, more when a run was retried (e.g. its worker died). */
  attempt: number;
}

export interface ProvisionContext {
  /** Aborted when the job is canceled: stop and return promptly. */
  signal: AbortSignal;
  /** Output for the job's log (bounded: the last part is kept). */
  output(text: string): void;
}

export type ProvisionResult = { ok: true } | { ok: false; error: string };

export interface Provisioner {
  readonly name: string;
  /** Resolves with the outcome; rejects only when it could not run at all. */
  provision(job: ProvisionJob, ctx: ProvisionContext): Promise<ProvisionResult>;
}
