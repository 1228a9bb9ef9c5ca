// Types of scripts/temporal-server.mjs, for bench/lib/real-temporal.ts and the tests.
export declare const TEMPORAL_SERVER_VERSION: string;
export declare const GO_TOOLCHAIN: string;
/** ~/.cache/autobuild/temporal-server-<version>/ */
export declare const TEMPORAL_SERVER_HOME: string;
/** scripts/temporal-server/config.yaml */
export declare const TEMPORAL_SERVER_CONFIG: string;

export interface TemporalServerPaths {
  server: string;
  sql: string;
  /** The PostgreSQL schema folders of this version (temporal/, visibility/). */
  schema: string;
}
export declare function temporalServerPaths(): TemporalServerPaths;
export declare function isTemporalServerBuilt(): boolean;
/** Builds once (about 4 minutes on 2 cores), then reuses the build; throws with a one-line reason. */
export declare function buildTemporalServer(opts?: { log?: (line: string) => void }): Promise<TemporalServerPaths>;

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
}
export declare function setupTemporalSchema(opts: PostgresTarget & { log?: (line: string) => void }): Promise<void>;

export interface TemporalServerPorts {
  frontend: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}
export declare const DEFAULT_PORTS: TemporalServerPorts;

export interface RunningTemporalServer {
  /** host:port of the frontend */
  address: string;
  pid: number;
  logFile: string;
  /** SIGTERM, SIGKILL after 20 s; resolves once it has exited. */
  stop(): Promise<void>;
}
export declare function startTemporalServer(
  opts: PostgresTarget & { ip?: string; ports?: Partial<TemporalServerPorts>; logFile: string; logLevel?: string },
): Promise<RunningTemporalServer>;
export declare function registerNamespace(opts: {
  address: string;
  namespace?: string;
  retentionDays?: number;
  timeoutMs?: number;
}): Promise<void>;
/** The last `lines` lines of a log file ('' when there is none). */
export declare function logTail(file: string, lines?: number): string;
