export type JobStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceling' | 'canceled';

export interface JobTimes {
  startedAt: Date | null;
  completedAt: Date | null;
  canceledAt: Date | null;
  error: string | null;
}

/** docs/rules.md#entities: the status is derived from the job's timestamps and error, never stored. */
export function deriveJobStatus(job: JobTimes): JobStatus {
  const failed = job.error !== null && job.error !== '';
  if (job.completedAt !== null) {
    if (failed) return 'failed';
    return job.canceledAt !== null ? 'canceled' : 'succeeded';
  }
  if (failed) return 'failed';
  if (job.canceledAt !== null) return 'canceling';
  return job.startedAt === null ? 'pending' : 'running';
}

/** A job is active while it may still change the workspace. */
export function isJobActive(status: JobStatus): boolean {
  return status === 'pending' || status === 'running' || status === 'canceling';
}
