// OpenTelemetry tracing of the worker (docs/operations.md#tracing): one trace
// per tick, from the tick workflow through each workspace's workflow, its
// evaluate activity and that activity's SQL statements, to the build workflow
// the evaluation started. On only when OTEL_EXPORTER_OTLP_ENDPOINT is set
// (Config.tracing); otherwise nothing is loaded, hooked or exported.
//
// The pieces, each where @temporalio/interceptors-opentelemetry puts it:
// - its workflow interceptors, inside a prebuilt bundle of their own
//   (src/workflow-bundle.ts), which only a worker that traces loads: the span
//   of each run, child start and activity schedule, made in the workflow
//   sandbox and handed out through the `exporter` sink (`sinks`);
// - its activity interceptors on the Worker: an activity's span, under the
//   span that scheduled it;
// - its client interceptor on the Client that activities start build
//   workflows with: the build joins the evaluation's trace;
// - @opentelemetry/instrumentation-pg: a span per statement, under the
//   activity that runs it.
import { createRequire } from 'node:module';
import type * as Exporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as Instrumentation from '@opentelemetry/instrumentation';
import type * as Pg from '@opentelemetry/instrumentation-pg';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkTraceNode from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import type * as TemporalOtel from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { TracingConfig } from './config.js';

export interface Tracing {
  /** Whether the worker loads the workflow bundle with the tracing interceptors (src/workflow-bundle.ts). */
  enabled: boolean;
  /** For the Client that activities start build workflows with. */
  clientInterceptors: ClientInterceptors;
  /** For the Worker: the activity interceptors. */
  workerInterceptors: WorkerInterceptors;
  /** The sink the traced bundle's workflow interceptors export through. */
  sinks: InjectedSinks<TemporalOtel.OpenTelemetrySinks>;
  /** Exports what is still buffered, then stops; after the worker has stopped. */
  shutdown(): Promise<void>;
}

/**
 * Tracing off: the plain bundle, no interceptors on the Node side, and a sink
 * that drops what a traced bundle's workflow interceptors would hand it (an
 * unregistered sink would log an error for every span).
 */
export const NO_TRACING: Tracing = {
  enabled: false,
  clientInterceptors: {},
  workerInterceptors: {},
  sinks: { exporter: { export: { fn: () => {} } } },
  shutdown: async () => {},
};

/**
 * Tracing on: registers the global tracer provider (a batch processor and
 * the OTLP/HTTP exporter, which reads OTEL_EXPORTER_OTLP_* itself) and the pg
 * instrumentation. The instrumentation patches pg as it loads, so this runs
 * before anything imports pg (src/runtime/start-tracing.ts).
 */
export function startTracing(config: TracingConfig): Tracing {
  // Loaded here, synchronously: only a process that traces pays for them (about 15 MB), and pg
  // must not load before the instrumentation is registered.
  const require = createRequire(import.meta.url);
  const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node') as typeof SdkTraceNode;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof Exporter;
  const { Resource } = require('@opentelemetry/resources') as typeof Resources;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof Instrumentation;
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof Pg;
  const otel = require('@temporalio/interceptors-opentelemetry') as typeof TemporalOtel;

  const resource = Resource.default().merge(new Resource({ 'service.name': config.serviceName }));
  // One processor for the spans made in this process and those the workflow sandbox hands out.
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register(); // the global provider, AsyncLocalStorage context and W3C trace-context propagation
  const unhook = registerInstrumentations({
    tracerProvider: provider,
    // Statements outside an activity (the API, the outbox and recovery sweeps) would each be a trace of one span.
    instrumentations: [new PgInstrumentation({ requireParentSpan: true })],
  });

  return {
    enabled: true,
    clientInterceptors: { workflow: [new otel.OpenTelemetryWorkflowClientInterceptor()] },
    workerInterceptors: {
      activity: [
        (ctx) => ({
          inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: otel.makeWorkflowExporter(processor, resource) },
    shutdown: async () => {
      unhook();
      await provider.shutdown();
    },
  };
}
