import type { Pool } from '../pool.js';
import { storableText } from '../text.js';

/** The job log keeps its last 64 KiB (characters): the end of a long build is what explains it. */
export const JOB_LOG_LIMIT = 64 * 1024;

export async function appendJobLog(pool: Pool, jobId: string, text: string): Promise<void> {
  if (text === '') return;
  await pool.query(`UPDATE provisioner_jobs SET log = right(log || $2, $3) WHERE id = $1`, [jobId, storableText(text), JOB_LOG_LIMIT]);
}
