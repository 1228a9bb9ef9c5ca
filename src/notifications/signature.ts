// Signed webhooks (docs/operations.md#notifications): with
// AUTOBUILD_NOTIFY_WEBHOOK_SECRET set, every POST carries
// `Autobuild-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
// The timestamp is signed with the body, so a receiver that refuses old
// timestamps refuses a replayed request; each retry is signed anew.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Autobuild-Signature';
/** How far a receiver lets the signed timestamp be from its own clock (5 minutes). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** The shortest secret the worker accepts (AUTOBUILD_NOTIFY_WEBHOOK_SECRET). */
export const WEBHOOK_SECRET_MIN_LENGTH = 32;

/** The header value for `body` (the exact bytes sent) signed at `nowSeconds`. */
export function signWebhook(secret: string, body: string, nowSeconds: number): string {
  const t = Math.floor(nowSeconds);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

/**
 * True when `header` signs `body` (the raw request body, before any JSON
 * parsing) with `secret`, and its timestamp is within `toleranceSeconds` of
 * `nowSeconds`. Compares in constant time; never throws on a malformed header.
 */
export function verifyWebhook(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (typeof header !== 'string') return false;
  let t: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) continue;
    if (key === 't' && /^\d{1,15}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (t === null || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'utf8');
  let ok = false;
  for (const s of signatures) ok = timingSafeEqual(expected, Buffer.from(s, 'utf8')) || ok;
  return ok;
}

function hmac(secret: string, t: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}
