// Where the CLI finds the database and Temporal: the same configuration as
// the service (DATABASE_URL, TEMPORAL_ADDRESS, ...), and when those are not
// set, the addresses `npm start` recorded in <dataDir>/runtime.json.
import { relative } from 'node:path';
import {
  type Config,
  type TemporalTarget as ConfiguredTemporal,
  explicitTaskQueue,
  loadConfig,
  projectRoot,
  redactUrl,
} from '../runtime/config.js';
import { type RuntimeInfo, readRuntimeInfo } from '../runtime/runtime-file.js';
import { unavailable } from './errors.js';

export interface DatabaseTarget {
  url: string;
  /** Where the URL came from, for error messages. */
  source: string;
}

export interface TemporalTarget {
  connectionOptions: ConfiguredTemporal['connectionOptions'];
  address: string;
  namespace: string;
  taskQueue: string;
  /** The Web UI of the embedded dev server, when the CLI found it through runtime.json. */
  uiUrl: string | null;
  source: string;
}

export interface Connections {
  database(): DatabaseTarget;
  temporal(): TemporalTarget;
  /** The /readyz of the worker `npm start` runs in this checkout, from runtime.json; null without one. */
  readyUrl(): string | null;
}

/** Reads the configuration now (a bad variable fails here, exit 1); resolves each target when first asked.
 * `env` defaults to the process environment, read by the configuration module. */
export function resolveConnections(env?: Record<string, string | undefined>): Connections {
  const config: Config = loadConfig(env);
  let runtime: RuntimeInfo | null | undefined;
  const runtimeInfo = () => {
    if (runtime === undefined) runtime = readRuntimeInfo(config.dataDir);
    return runtime;
  };
  const runtimeFile = relative(projectRoot, `${config.dataDir}/runtime.json`) || 'runtime.json';
  const fromRuntime = (info: RuntimeInfo) => `${runtimeFile} (written by npm start, pid ${info.pid}; is it still running?)`;
  const notRunning = (variable: string) =>
    unavailable(
      `no ${variable === 'DATABASE_URL' ? 'database' : 'Temporal'} to connect to: set ${variable}, or run \`npm start\` in this checkout (it records its addresses in ${runtimeFile})`,
    );

  return {
    database() {
      if (config.databaseUrl !== null) return { url: config.databaseUrl, source: 'DATABASE_URL' };
      const info = runtimeInfo();
      if (info === null) throw notRunning('DATABASE_URL');
      if (info.externalDatabase) {
        throw unavailable(
          `the service runs on an external database (${redactUrl(info.databaseUrl)}): set DATABASE_URL for the CLI too (${runtimeFile} does not keep its password)`,
        );
      }
      return { url: info.databaseUrl, source: fromRuntime(info) };
    },
    temporal() {
      const taskQueue = explicitTaskQueue(env);
      if (config.temporal !== null) {
        const { connectionOptions, namespace } = config.temporal;
        return {
          connectionOptions,
          address: connectionOptions.address ?? 'localhost:7233',
          namespace,
          taskQueue: taskQueue ?? config.taskQueue,
          uiUrl: null,
          source: 'TEMPORAL_ADDRESS',
        };
      }
      const info = runtimeInfo();
      if (info === null) throw notRunning('TEMPORAL_ADDRESS');
      return {
        connectionOptions: { address: info.temporalAddress },
        address: info.temporalAddress,
        namespace: info.namespace,
        taskQueue: taskQueue ?? info.taskQueue,
        uiUrl: info.uiUrl,
        source: fromRuntime(info),
      };
    },
    readyUrl: () => runtimeInfo()?.readyUrl ?? null,
  };
}
