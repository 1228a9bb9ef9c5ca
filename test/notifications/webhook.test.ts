// Notifications (docs/rules.md#notifications): written to the outbox in the
// event's transaction, delivered right after the commit (the commit wakes the
// worker's deliverer) at least once with a stable id, retried with backoff,
// never lost. The receiver is a real HTTP server on 127.0.0.1.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/db/pool.js';
import { insertNotification } from '../../src/notifications/outbox.js';
import { logSink, webhookSink } from '../../src/notifications/sinks.js';
import { createLogger } from '../../src/runtime/logger.js';
import { type Harness, seed, startHarness, waitUntil } from '../builds/harness.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: { id: string; kind: string; workspaceId: string; userId: string; createdAt: string; payload: Record<string, unknown> };
  answered: number;
}

/** Answers 500 to the first `failures` requests for each notification id, then 200. */
function flakyReceiver(failures: number) {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      const body = JSON.parse(data);
      const n = (seen.get(body.id) ?? 0) + 1;
      seen.set(body.id, n);
      const answered = n <= failures ? 500 : 200;
      received.push({ headers: req.headers, body, answered });
      res.writeHead(answered).end();
    });
  });
  return { server, received };
}

describe('notification outbox and webhook delivery', () => {
  let h: Harness;
  const receiver = flakyReceiver(2);
  let url: string;
  let workspace: { id: string; ownerId: string };

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks?token=secret`;
    // The sweep comes every 10 minutes here: a delivery within seconds was woken by the commit.
    h = await startHarness({
      sink: webhookSink(url, 2000),
      notifications: { retryBaseMs: 100, retryMaxMs: 1000, sweepIntervalMs: 600_000 },
    });
    await seed(h);
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
    await h.ops.waitForBuild(created.jobId, 20_000);
    const ws = await h.ops.workspaces.get('alice/box');
    workspace = { id: ws.id, ownerId: ws.owner.id };
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((r) => receiver.server.close(r));
  });

  it('a commit wakes the deliverer: a webhook that fails twice then accepts receives each notification three times with the same id as Idempotency-Key', async () => {
    const started = Date.now();
    await inTransaction(h.db.pool, async (c) => {
      for (const kind of ['autostop_reminder', 'workspace_dormant'] as const) {
        await insertNotification(c, {
          kind,
          workspaceId: workspace.id,
          userId: workspace.ownerId,
          payload: { kind },
          dedupeKey: `test:${kind}`,
        });
      }
    });
    await waitUntil(
      'both notifications delivered',
      async () => (await h.db.pool.query('SELECT count(*)::int AS n FROM notifications WHERE delivered_at IS NULL')).rows[0].n === 0,
      10_000,
    );
    const { rows } = await h.db.pool.query(
      'SELECT id, kind, delivered_at, attempts, last_error FROM notifications ORDER BY created_at, kind',
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ delivered_at: expect.any(Date), attempts: 3, last_error: null });
      const requests = receiver.received.filter((r) => r.body.id === row.id);
      expect(requests.map((r) => r.answered)).toEqual([500, 500, 200]);
      for (const r of requests) {
        expect(r.headers['idempotency-key']).toBe(row.id);
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.body).toMatchObject({
          id: row.id,
          kind: row.kind,
          workspaceId: workspace.id,
          userId: workspace.ownerId,
          payload: { kind: row.kind },
        });
      }
    }
    // Backoff: 100 ms, then 200 ms, at least.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('one notification per cause: writing the same dedupe key twice stores it once', async () => {
    const write = () =>
      inTransaction(h.db.pool, (c) =>
        insertNotification(c, {
          kind: 'autobuild_failed',
          workspaceId: workspace.id,
          userId: workspace.ownerId,
          payload: {},
          dedupeKey: 'test:once',
        }),
      );
    await write();
    await write();
    const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE dedupe_key = 'test:once'`);
    expect(rows[0].n).toBe(1);
  });

  it('never lost: a notification committed while no worker ran is delivered when one starts', async () => {
    await h.stopWorker();
    const sweeping = await startHarness({
      noWorker: true,
      sink: webhookSink(url, 2000),
      notifications: { retryBaseMs: 50, sweepIntervalMs: 200 },
    });
    try {
      const { user } = await seed(sweeping);
      const created = await sweeping.ops.workspaces.create({ owner: user.username, template: 'dev', name: 'box' });
      await inTransaction(sweeping.db.pool, (c) =>
        insertNotification(c, {
          kind: 'workspace_dormant',
          workspaceId: created.workspaceId,
          userId: user.id,
          payload: {},
          dedupeKey: 'test:sweep',
        }),
      );
      await sweeping.startWorker(); // its deliverer finds what committed meanwhile
      await waitUntil(
        'the sweep to deliver',
        async () =>
          (await sweeping.db.pool.query(`SELECT delivered_at FROM notifications WHERE dedupe_key = 'test:sweep'`)).rows[0].delivered_at !==
          null,
      );
      const { rows } = await sweeping.db.pool.query(`SELECT id, attempts FROM notifications WHERE dedupe_key = 'test:sweep'`);
      expect(rows[0].attempts).toBe(3);
      expect(receiver.received.filter((r) => r.body.id === rows[0].id).map((r) => r.headers['idempotency-key'])).toEqual([
        rows[0].id,
        rows[0].id,
        rows[0].id,
      ]);
    } finally {
      await sweeping.close();
    }
  });

  it('a webhook that answers with a redirect is not followed: the body goes nowhere else, and the error shows the origin only', async () => {
    const elsewhere: string[] = [];
    const other = createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal`;
    const redirecting = createServer((_req, res) => res.writeHead(307, { location: otherUrl }).end());
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      const n = { id: 'r-1', kind: 'autostop_reminder', workspaceId: workspace.id, userId: workspace.ownerId, createdAt: '', payload: {} };
      const error = await webhookSink(`${origin}/services/T0/B0/s3cr3t-token`, 2000)
        .send(n)
        .then(
          () => null,
          (e: Error) => e,
        );
      expect(error?.message).toMatch(new RegExp(`^webhook ${origin.replace(/\./g, '\\.')} unreachable: `));
      expect(error?.message).not.toContain('s3cr3t');
      expect(elsewhere).toEqual([]);
    } finally {
      await new Promise((r) => redirecting.close(r));
      await new Promise((r) => other.close(r));
    }
  });

  it('webhook errors name the answer and keep the URL’s path and query (a token) out of the message', async () => {
    const sink = webhookSink(url, 2000);
    const n = {
      id: 'x-1',
      kind: 'autostop_reminder',
      workspaceId: workspace.id,
      userId: workspace.ownerId,
      createdAt: new Date().toISOString(),
      payload: {},
    };
    await expect(sink.send(n)).rejects.toThrow(/^webhook http:\/\/127\.0\.0\.1:\d+ answered 500 Internal Server Error$/);
    await expect(webhookSink('http://127.0.0.1:1/x', 500).send(n)).rejects.toThrow(/^webhook http:\/\/127\.0\.0\.1:1 unreachable: /);
  });
});

describe('the default log sink', () => {
  it('writes one structured line per notification, with its id', async () => {
    const lines: string[] = [];
    const sink = logSink(createLogger({ level: 'info', format: 'json', write: (l) => void lines.push(l) }));
    await sink.send({
      id: 'n-1',
      kind: 'workspace_dormant',
      workspaceId: 'w',
      userId: 'u',
      createdAt: '2024-01-01T00:00:00.000Z',
      payload: { a: 1 },
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      msg: 'notification',
      notificationId: 'n-1',
      kind: 'workspace_dormant',
      payload: { a: 1 },
    });
  });
});
