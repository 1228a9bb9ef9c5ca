// Imported first by src/main.ts, for its side effect: the pg instrumentation
// patches pg while pg loads, and ES modules run their imports in order, so
// tracing starts here before any later import of src/main.ts loads pg.
import { ConfigError, loadTracingConfig } from './config.js';
import { NO_TRACING, startTracing, type Tracing } from './tracing.js';

function fromEnvironment(): Tracing {
  let config: ReturnType<typeof loadTracingConfig>;
  try {
    config = loadTracingConfig();
  } catch (err) {
    // loadConfig() meets the same error inside runMain, which reports it in one line.
    if (err instanceof ConfigError) return NO_TRACING;
    throw err;
  }
  return config === null ? NO_TRACING : startTracing(config);
}

/** This process's tracing: NO_TRACING unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export const processTracing: Tracing = fromEnvironment();
