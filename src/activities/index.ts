// Everything a workflow asks of the outside world. Workflows import only the
// *type* of this object (import type), never the module.
import type { Client } from '@temporalio/client';
import { createProvisioner } from '../builds/create-provisioner.js';
import type { Provisioner } from '../builds/provisioner.js';
import type { Pool } from '../db/pool.js';
import type { Metrics } from '../metrics/metrics.js';
import { loadProvisioningConfig, type ProvisioningConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import { createBuildActivities } from './build.js';
import { createEvaluateActivities } from './evaluate.js';
import { createProbeActivities } from './probe.js';
import { createTickActivities } from './tick.js';

export interface ActivityDeps {
  pool: Pool;
  log: Logger;
  /** For hand-offs after commit (starting build workflows). */
  client: Client;
  /** `client` runs over the worker's own NativeConnection, so build workflows can start eagerly. */
  eagerStart?: boolean;
  /** The queue this worker serves; workflows it starts run here too. */
  taskQueue: string;
  /** How builds run; default: the built-in defaults (simulated, 3 s). */
  provisioning?: ProvisioningConfig;
  /** Overrides the provisioner `provisioning` selects (tests). */
  provisioner?: Provisioner;
  /** AUTOBUILD_DEFAULT_QUIET_HOURS (Config.defaultQuietHoursSchedule); default: DEFAULT_QUIET_HOURS_SCHEDULE. */
  defaultQuietHoursSchedule?: string;
  /** The worker's metrics (src/metrics/metrics.ts); none in tests that do not look at them. */
  metrics?: Metrics;
  /** AUTOBUILD_PUBLIC_URL: the base of the action links in notifications (docs/rules.md#reminder-actions). */
  publicUrl?: string;
}

export function createActivities(deps: ActivityDeps) {
  const provisioning = deps.provisioning ?? loadProvisioningConfig({});
  return {
    ...createProbeActivities(deps.pool),
    ...createBuildActivities({
      pool: deps.pool,
      log: deps.log,
      provisioning,
      provisioner: deps.provisioner ?? createProvisioner(provisioning, deps.pool),
      defaultQuietHoursSchedule: deps.defaultQuietHoursSchedule,
      metrics: deps.metrics,
    }),
    ...createTickActivities(deps.pool, deps.log),
    ...createEvaluateActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
