// Lists come a page at a time: at most PAGE_MAX items, then an opaque cursor
// for the next page (null on the last). The cursor is the last item's sort
// key, so a page costs what its items cost, however long the list.
import { invalid } from './errors.js';
import { integerBetween } from './validate.js';

export const PAGE_MAX = 500;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

export interface PageRequest {
  /** Items per page, 1–500 (default 500). */
  limit?: number;
  cursor?: string | null;
}

/** The limit to ask the database for (one more than the page, to know whether another follows) and the decoded cursor. */
export function pageQuery(req: PageRequest, arity: number): { limit: number; after: string[] | null } {
  const limit = req.limit === undefined ? PAGE_MAX : integerBetween('limit', req.limit, 1, PAGE_MAX);
  if (req.cursor == null) return { limit, after: null };
  let after: unknown;
  try {
    after = JSON.parse(Buffer.from(req.cursor, 'base64url').toString('utf8'));
  } catch {
    after = null;
  }
  if (!Array.isArray(after) || after.length !== arity || !after.every((v) => typeof v === 'string')) {
    throw invalid('invalid cursor: pass back the nextCursor of the previous page');
  }
  return { limit, after };
}

/** `rows` holds up to limit + 1 items: the extra one says another page follows. */
export function toPage<T>(rows: T[], limit: number, keyOf: (item: T) => string[]): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: Buffer.from(JSON.stringify(keyOf(items[items.length - 1]!))).toString('base64url') };
}
