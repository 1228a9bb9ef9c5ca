// The dashboard's session: the API token a person signed in with, and the
// form token that every form of theirs carries, sealed in one cookie with
// AES-256-GCM under a key derived (HKDF-SHA256) from AUTOBUILD_SESSION_SECRET.
// Sealed, not only signed: the cookie never shows the token, even to a script
// or a log that sees the cookie's value. Several API processes that share the
// secret read each other's cookies; a cookie that does not open (tampered,
// another secret, another cookie's name) is no session.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Session {
  /** The API token, `abk_<id>_<secret>`. */
  token: string;
  /** The form token: each form carries it in a hidden field, and a POST without it is refused. */
  csrf: string;
}

export class SessionKey {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'autobuild-session-v1', 'dashboard cookie', 32));
  }

  /** A random key, for a process started without AUTOBUILD_SESSION_SECRET. */
  static random(): SessionKey {
    return new SessionKey(randomBytes(32).toString('base64'));
  }

  /** `value` sealed for the cookie `name` (the name is authenticated too, so one cookie cannot stand in for another). */
  seal(name: string, value: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The value sealed by `seal(name, …)`, or null when the text is not one. */
  open(name: string, sealed: string | undefined): unknown {
    if (sealed === undefined || sealed.length > 4096) return null;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 1) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  }
}

export const newFormToken = () => randomBytes(24).toString('base64url');

/** Constant-time comparison of a form's token with the session's. */
export function formTokenMatches(expected: string, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isSession(value: unknown): value is Session {
  const v = value as Partial<Session> | null;
  return typeof v === 'object' && v !== null && typeof v.token === 'string' && typeof v.csrf === 'string';
}
