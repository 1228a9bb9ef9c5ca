import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { latestMigration } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/** A trivial end-to-end check: worker, server and database all answer. */
export async function probe(): Promise<string> {
  return latestMigration();
}
