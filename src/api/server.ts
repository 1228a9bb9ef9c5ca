// Serves the API on a TCP port (@hono/node-server). Used by `npm start` beside
// the worker and by `npm run api` alone.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface ApiServer {
  /** `http://host:port`, with the port the server got (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

export function listen(fetch: (req: Request) => Response | Promise<Response>, host: string, port: number): Promise<ApiServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info: AddressInfo) => {
      server.off('error', reject);
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive connections would hold close() open until they time out.
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`the API port ${host}:${port} is taken: set AUTOBUILD_API_PORT to a free port`) : err),
    );
  });
}
