// Signed webhooks (docs/operations.md#signed-webhooks): with a secret, every
// POST carries `Autobuild-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
// which a receiver verifies over the raw body in constant time, refusing
// timestamps more than 5 minutes off. The receiver is a real HTTP server on 127.0.0.1.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/db/pool.js';
import { insertNotification } from '../../src/notifications/outbox.js';
import { signWebhook, verifyWebhook } from '../../src/notifications/signature.js';
import { createSink, type OutgoingNotification, webhookSink } from '../../src/notifications/sinks.js';
import { loadNotificationConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { type Harness, seed, startHarness, waitUntil } from '../builds/harness.js';
import { PROJECT_ROOT } from '../helpers/processes.js';

const SECRET = 'a3f1c9e0b7d24c58e6a1f0b9c8d7e6f5a4b3c2d1e0f9a8b7';
const OTHER_SECRET = 'ffffffffffffffffffffffffffffffffffffffffffffffff';

interface Received {
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  raw: Buffer;
}

/** Answers 500 to the first `failures` requests for each notification id, then 200; keeps the raw bodies. */
function receiver(failures = 0) {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: req.headers, raw });
      const id = JSON.parse(raw.toString('utf8')).id as string;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      res.writeHead(n <= failures ? 500 : 200).end();
    });
  });
  return { server, received };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
}

const nowSeconds = () => Date.now() / 1000;
const notification = (id: string): OutgoingNotification => ({
  id,
  kind: 'autostop_reminder',
  workspaceId: 'w-1',
  userId: 'u-1',
  createdAt: '2024-01-01T00:00:00.000Z',
  payload: { workspaceName: 'dev', note: 'ünïcödé ✓' },
});

describe('signed webhook delivery through the outbox', () => {
  let h: Harness;
  const r = receiver(1);
  let workspace: { id: string; ownerId: string };

  beforeAll(async () => {
    const url = await listen(r.server);
    // The sink the worker makes from its configuration.
    const config = loadNotificationConfig({ AUTOBUILD_NOTIFY_WEBHOOK_URL: url, AUTOBUILD_NOTIFY_WEBHOOK_SECRET: SECRET });
    h = await startHarness({
      sink: createSink(config, createLogger({ level: 'error', format: 'json' })),
      notifications: { retryBaseMs: 50, retryMaxMs: 200, sweepIntervalMs: 600_000 },
    });
    await seed(h);
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
    await h.ops.waitForBuild(created.jobId, 20_000);
    const ws = await h.ops.workspaces.get('alice/box');
    workspace = { id: ws.id, ownerId: ws.owner.id };
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((done) => r.server.close(done));
  });

  it('every attempt carries Autobuild-Signature over the raw body and the Idempotency-Key; the receiver verifies it', async () => {
    await inTransaction(h.db.pool, (c) =>
      insertNotification(c, {
        kind: 'autostop_reminder',
        workspaceId: workspace.id,
        userId: workspace.ownerId,
        payload: { note: 'ünïcödé ✓' },
        dedupeKey: 'test:signed',
      }),
    );
    await waitUntil(
      'the signed notification delivered',
      async () =>
        (await h.db.pool.query(`SELECT delivered_at FROM notifications WHERE dedupe_key = 'test:signed'`)).rows[0].delivered_at !== null,
      10_000,
    );
    const { rows } = await h.db.pool.query(`SELECT id FROM notifications WHERE dedupe_key = 'test:signed'`);
    const requests = r.received.filter((q) => JSON.parse(q.raw.toString('utf8')).id === rows[0].id);
    expect(requests).toHaveLength(2); // refused once, then taken
    for (const q of requests) {
      const header = q.headers['autobuild-signature'];
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(q.headers['idempotency-key']).toBe(rows[0].id);
      expect(verifyWebhook(SECRET, header as string, q.raw, nowSeconds())).toBe(true);
      // The documented shape, recomputed by hand.
      const t = /^t=(\d+)/.exec(header as string)![1];
      const v1 = createHmac('sha256', SECRET)
        .update(`${t}.${q.raw.toString('utf8')}`)
        .digest('hex');
      expect(header).toBe(`t=${t},v1=${v1}`);
      expect(Math.abs(Number(t) - nowSeconds())).toBeLessThan(60);
    }
  });
});

describe('verifying a signature', () => {
  const r = receiver();
  let url: string;
  beforeAll(async () => {
    url = await listen(r.server);
  });
  afterAll(async () => {
    await new Promise((done) => r.server.close(done));
  });

  /** Sends one notification with a sink whose clock is `skewSeconds` off, and returns what arrived. */
  async function deliver(id: string, skewSeconds = 0, secret: string | null = SECRET): Promise<Received> {
    await webhookSink(url, 2000, { secret, now: () => Date.now() + skewSeconds * 1000 }).send(notification(id));
    const got = r.received.find((q) => JSON.parse(q.raw.toString('utf8')).id === id);
    if (!got) throw new Error(`${id} did not arrive`);
    return got;
  }
  const header = (q: Received) => q.headers['autobuild-signature'] as string;

  it('the header as sent verifies against the raw body', async () => {
    const q = await deliver('ok');
    expect(verifyWebhook(SECRET, header(q), q.raw, nowSeconds())).toBe(true);
    expect(verifyWebhook(SECRET, header(q), q.raw.toString('utf8'), nowSeconds())).toBe(true);
  });

  it('a tampered body fails', async () => {
    const q = await deliver('tampered');
    const body = JSON.parse(q.raw.toString('utf8'));
    const changed = Buffer.from(JSON.stringify({ ...body, kind: 'workspace_autodeleted' }));
    expect(verifyWebhook(SECRET, header(q), changed, nowSeconds())).toBe(false);
    // One byte is enough, and so is re-serializing the same JSON differently.
    expect(verifyWebhook(SECRET, header(q), Buffer.concat([q.raw, Buffer.from(' ')]), nowSeconds())).toBe(false);
    expect(verifyWebhook(SECRET, header(q), JSON.stringify(body, null, 1), nowSeconds())).toBe(false);
  });

  it('a wrong secret fails', async () => {
    const q = await deliver('wrong-secret');
    expect(verifyWebhook(OTHER_SECRET, header(q), q.raw, nowSeconds())).toBe(false);
    expect(verifyWebhook(`${SECRET}x`, header(q), q.raw, nowSeconds())).toBe(false);
  });

  it('a timestamp more than 5 minutes old fails (a replay); within 5 minutes passes', async () => {
    const old = await deliver('old', -301);
    expect(verifyWebhook(SECRET, header(old), old.raw, nowSeconds())).toBe(false);
    const recent = await deliver('recent', -240);
    expect(verifyWebhook(SECRET, header(recent), recent.raw, nowSeconds())).toBe(true);
    // The same request replayed 6 minutes later is refused.
    const ok = await deliver('replayed');
    expect(verifyWebhook(SECRET, header(ok), ok.raw, nowSeconds() + 360)).toBe(false);
    // A receiver may choose its own window.
    expect(verifyWebhook(SECRET, header(old), old.raw, nowSeconds(), 600)).toBe(true);
  });

  it('a timestamp more than 5 minutes ahead fails too', async () => {
    const ahead = await deliver('ahead', 302);
    expect(verifyWebhook(SECRET, header(ahead), ahead.raw, nowSeconds())).toBe(false);
  });

  it('a timestamp moved with the signature kept fails', async () => {
    const q = await deliver('moved-t');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(header(q))!;
    expect(verifyWebhook(SECRET, `t=${Number(t) + 1},v1=${v1}`, q.raw, nowSeconds())).toBe(false);
  });

  it('without a secret the request is sent unsigned', async () => {
    const q = await deliver('unsigned', 0, null);
    expect(q.headers['autobuild-signature']).toBeUndefined();
    expect(q.headers['idempotency-key']).toBe('unsigned');
  });

  it('a missing or malformed header fails without throwing', () => {
    const body = '{}';
    const good = signWebhook(SECRET, body, 1_700_000_000);
    const at = 1_700_000_000;
    expect(verifyWebhook(SECRET, good, body, at)).toBe(true);
    for (const bad of [
      undefined,
      null,
      '',
      'garbage',
      good.replace(/^t=\d+,/, ''),
      good.replace(/,v1=.*/, ''),
      good.replace('v1=', 'v0='),
      good.slice(0, -2),
      `${good}00`,
      good.toUpperCase(),
      `t=abc,${good.split(',')[1]}`,
    ]) {
      expect(verifyWebhook(SECRET, bad, body, at)).toBe(false);
    }
    // Several v1 values (as when a sender rotates its secret): one that matches is enough.
    expect(verifyWebhook(SECRET, `${good},v1=${'0'.repeat(64)}`, body, at)).toBe(true);
    expect(verifyWebhook(SECRET, `t=${at},v1=${'0'.repeat(64)},${good.split(',')[1]}`, body, at)).toBe(true);
  });

  it('the Node example in docs/operations.md verifies what the sink sends, and refuses the same cases', async () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/operations.md'), 'utf8');
    const code = /```js\n(import \{ createHmac, timingSafeEqual \} from 'node:crypto';.*?)```/s.exec(doc)?.[1];
    expect(code).toBeTruthy();
    expect(code!.split('\n').length).toBeLessThanOrEqual(14);
    const dir = await mkdtemp(join(tmpdir(), 'autobuild-doc-'));
    try {
      await writeFile(join(dir, 'verify.mjs'), code!);
      const { verifyAutobuildSignature } = (await import(pathToFileURL(join(dir, 'verify.mjs')).href)) as {
        verifyAutobuildSignature: (secret: string, header: unknown, raw: Buffer | string, tolerance?: number) => boolean;
      };
      const q = await deliver('doc');
      expect(verifyAutobuildSignature(SECRET, header(q), q.raw)).toBe(true);
      expect(verifyAutobuildSignature(SECRET, header(q), q.raw.toString('utf8'))).toBe(true);
      expect(verifyAutobuildSignature(OTHER_SECRET, header(q), q.raw)).toBe(false);
      expect(verifyAutobuildSignature(SECRET, header(q), Buffer.concat([q.raw, Buffer.from(' ')]))).toBe(false);
      const old = await deliver('doc-old', -301);
      expect(verifyAutobuildSignature(SECRET, header(old), old.raw)).toBe(false);
      for (const bad of [undefined, '', 'garbage', header(q).replace(/,v1=.*/, '')]) {
        expect(verifyAutobuildSignature(SECRET, bad, q.raw)).toBe(false);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the sink the configuration makes', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ level: 'info', format: 'json', write: (l) => void lines.push(JSON.parse(l)) });
    return { lines, log };
  };

  it('a webhook URL without a secret: one warning that webhooks go out unsigned', () => {
    const { lines, log } = capture();
    const sink = createSink(loadNotificationConfig({ AUTOBUILD_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/x' }), log);
    expect(sink.name).toBe('webhook');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: expect.stringMatching(/AUTOBUILD_NOTIFY_WEBHOOK_SECRET is not set.*unsigned/) });
  });

  it('with a secret, or without a webhook, no warning; the secret is never written', () => {
    const { lines, log } = capture();
    const signed = loadNotificationConfig({
      AUTOBUILD_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/x',
      AUTOBUILD_NOTIFY_WEBHOOK_SECRET: SECRET,
    });
    expect(createSink(signed, log).name).toBe('webhook');
    expect(createSink(loadNotificationConfig({ AUTOBUILD_NOTIFY_WEBHOOK_SECRET: SECRET }), log).name).toBe('log');
    expect(lines).toEqual([]);
    // Logged by mistake, the configuration still does not show it.
    log.info('configuration', { notifications: signed, env: { AUTOBUILD_NOTIFY_WEBHOOK_SECRET: SECRET } });
    log.info(`AUTOBUILD_NOTIFY_WEBHOOK_SECRET=${SECRET} in a message`);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(lines[0]).toMatchObject({ notifications: { webhookSecret: '***' }, env: { AUTOBUILD_NOTIFY_WEBHOOK_SECRET: '***' } });
  });
});
