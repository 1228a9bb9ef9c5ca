// The Temporal SDK's own worker metrics — task slots, pollers, task and
// activity latencies, sticky cache — come from its core's Prometheus exporter,
// configured when the process installs the SDK's Runtime, on a port of their
// own (docs/operations.md#metrics-and-health). Counters end in `_total` and
// durations are in seconds, as Prometheus' conventions ask.
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { freePort } from '../runtime/ports.js';
import { reachableUrl } from './server.js';

const PORT_ATTEMPTS = 3;

/**
 * Installs the Runtime with the exporter on host:port; returns the exporter's
 * /metrics URL. The core binds the port at once but does not tell which port
 * it got, so port 0 becomes a free port chosen here (tried again if another
 * program takes it first).
 */
export async function installTemporalRuntime(
  options: Omit<RuntimeOptions, 'telemetryOptions'>,
  host: string,
  port: number,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const bound = port === 0 ? await freePort(host) : port;
    try {
      Runtime.install({
        ...options,
        telemetryOptions: {
          metrics: {
            prometheus: {
              bindAddress: `${host.includes(':') ? `[${host}]` : host}:${bound}`,
              countersTotalSuffix: true,
              unitSuffix: true,
              useSecondsForDurations: true,
            },
          },
        },
      });
      return `${reachableUrl(host, bound)}/metrics`;
    } catch (err) {
      if (!/address already in use/i.test((err as Error).message)) throw err;
      if (port === 0 && attempt < PORT_ATTEMPTS) continue;
      throw new Error(`the Temporal SDK metrics port ${host}:${bound} is taken: set AUTOBUILD_SDK_METRICS_PORT to a free port`);
    }
  }
}
