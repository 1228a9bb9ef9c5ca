// A list printed a page at a time, as the operations module serves it: the
// output starts with the first page and memory stays one page, however long
// the list. JSON is the same array `--json` prints for a short list; the
// table's columns take their widths from the first page.
import type { Page } from '../ops/index.js';
import { columnWidths, tableLine } from './format.js';

export interface PagedList<T> {
  next(cursor: string | null): Promise<Page<T>>;
  json(item: T): unknown;
  headers: readonly string[];
  row(item: T): string[];
}

export async function printPages<T>(
  out: { json: boolean },
  list: PagedList<T>,
  write: (text: string) => unknown = (text) => process.stdout.write(text),
): Promise<void> {
  let cursor: string | null = null;
  let first = true;
  let widths: number[] | null = null;
  do {
    // The first page is read before anything is written: a refusal (an unknown owner) leaves stdout empty.
    const page: Page<T> = await list.next(cursor);
    if (out.json && cursor === null) write('[');
    if (out.json) {
      for (const item of page.items) {
        write(`${first ? '\n' : ',\n'}${JSON.stringify(list.json(item), null, 2).replace(/^/gm, '  ')}`);
        first = false;
      }
    } else {
      const rows = page.items.map(list.row);
      widths ??= columnWidths(list.headers, rows);
      if (first) write(`${tableLine(list.headers, widths)}\n`);
      for (const r of rows) write(`${tableLine(r, widths)}\n`);
      first = false;
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (out.json) write(first ? ']\n' : '\n]\n');
}
