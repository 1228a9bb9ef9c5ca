// A TCP proxy a test puts between a process and a server (the engine and its
// PostgreSQL) to break their connections as a network does: reset every open
// connection, refuse new ones for a while. Nothing in the process knows it is
// there: it only sees a host and a port.
import { createServer, type Server, Socket } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  port: number;
  /** Connections open through the proxy now. */
  open(): number;
  /** Resets every open connection (TCP RST to both ends); returns how many. */
  resetAll(): number;
  /** While on, every new connection is reset as soon as it is accepted (the client sees ECONNRESET). */
  refuse(on: boolean): void;
  /** Connections refused so far. */
  refused(): number;
  /** Where new connections go from now on (a server that came back on another port). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  let targetPort = target.port;
  let refusing = false;
  let refusedCount = 0;
  const pairs = new Set<[Socket, Socket]>();

  const server: Server = createServer((client) => {
    if (refusing) {
      refusedCount++;
      client.resetAndDestroy();
      return;
    }
    client.pause();
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A reset or an error on one side resets the other, as a broken network path would.
    client.on('error', () => upstream.resetAndDestroy());
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', end);
    upstream.on('close', end);
    upstream.connect(targetPort, host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');

  const resetAll = () => {
    const n = pairs.size;
    for (const [client, upstream] of [...pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
    return n;
  };
  return {
    port: address.port,
    open: () => pairs.size,
    resetAll,
    refuse(on) {
      refusing = on;
    },
    refused: () => refusedCount,
    retarget(port) {
      targetPort = port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}
