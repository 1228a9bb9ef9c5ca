import type { Pool } from '../db/pool.js';
import { type ProvisioningConfig, provisionerEnvironment } from '../runtime/config.js';
import { commandProvisioner } from './command-provisioner.js';
import type { Provisioner } from './provisioner.js';
import { simulatedProvisioner } from './simulated-provisioner.js';

/** The provisioner AUTOBUILD_PROVISIONER selects. */
export function createProvisioner(config: ProvisioningConfig, pool: Pool): Provisioner {
  if (config.provisioner === 'command') {
    if (config.command === null) throw new Error('the command provisioner needs AUTOBUILD_PROVISIONER_COMMAND');
    return commandProvisioner({ command: config.command, timeoutMs: config.timeoutMs, env: provisionerEnvironment(config.passEnv) });
  }
  return simulatedProvisioner({ durationMs: config.simulatedDurationMs, failureRate: config.simulatedFailureRate, pool });
}
