// The worker's own small HTTP server (docs/operations.md#metrics-and-health),
// apart from the API's: a supervisor and Prometheus reach it where the API may
// not be served (`npm run api` runs the API alone, and may run elsewhere).
//   GET /metrics   the Prometheus text format of this worker's series
//   GET /healthz   200 while the process answers (liveness); asks nothing else
//   GET /readyz    200 when ready, else 503; a JSON body lists each check (src/metrics/health.ts)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './health.js';
import type { Metrics } from './metrics.js';

export interface MetricsServer {
  /** `http://host:port` as a client on this machine reaches it (a wildcard address becomes loopback). */
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  host: string;
  /** 0 = a free port. */
  port: number;
  metrics: Metrics;
  readiness(): Promise<Readiness>;
}

export function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, body: unknown) => reply(status, 'application/json', `${JSON.stringify(body)}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'only GET and HEAD' });
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/readyz') {
      return void o.readiness().then(
        (r) => json(r.status === 'ready' ? 200 : 503, r),
        (err: Error) => json(503, { status: 'unready', error: err.message }),
      );
    }
    if (path === '/metrics') {
      return void o.metrics.scrape().then(
        (s) => reply(200, s.contentType, s.body),
        (err: Error) => reply(500, 'text/plain', `${err.message}\n`),
      );
    }
    json(404, { error: 'not found: the worker serves /metrics, /healthz and /readyz' });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`the metrics port ${o.host}:${o.port} is taken: set AUTOBUILD_METRICS_PORT to a free port`)
          : err,
      ),
    );
    server.listen(o.port, o.host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: reachableUrl(o.host, port),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections(); // a scraper's keep-alive connection would hold close() open
          }),
      });
    });
  });
}

/** The URL a client on this machine uses for a server bound to host:port. */
export function reachableUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
