// Long lists print a page at a time: the same JSON as a short list's, a table
// whose memory is one page, and no call that grows with the list.
import { describe, expect, it } from 'vitest';
import { columnWidths, formatTable } from '../../src/cli/format.js';
import { printPages } from '../../src/cli/pages.js';

const pages = (items: number[], size: number) => ({
  next: async (cursor: string | null) => {
    const from = cursor === null ? 0 : Number(cursor);
    const to = Math.min(from + size, items.length);
    return { items: items.slice(from, to), nextCursor: to < items.length ? String(to) : null };
  },
  json: (n: number) => ({ n, label: `item ${n}` }),
  headers: ['N', 'LABEL'],
  row: (n: number) => [String(n), `item ${n}`],
});

async function printed(json: boolean, items: number[], size: number): Promise<string> {
  let out = '';
  await printPages({ json }, pages(items, size), (text) => {
    out += text;
  });
  return out;
}

describe('printing a list page by page', () => {
  it('--json prints exactly the array JSON.stringify prints, across pages and for an empty list', async () => {
    const items = Array.from({ length: 7 }, (_, i) => i);
    expect(await printed(true, items, 3)).toBe(`${JSON.stringify(items.map(pages([], 1).json), null, 2)}\n`);
    expect(await printed(true, [], 3)).toBe('[]\n');
  });

  it('a table has its header once and a line per item, across pages; columns are as wide as the first page needs', async () => {
    const out = await printed(false, [1, 22, 333], 2);
    expect(out.split('\n')).toEqual(['N   LABEL', '1   item 1', '22  item 22', '333  item 333', '']);
  });

  it('a list refused on its first page (an unknown owner) prints nothing, so stdout stays empty as for every error', async () => {
    let out = '';
    const refused = { ...pages([], 1), next: async () => Promise.reject(new Error('no user nobody')) };
    await expect(printPages({ json: true }, refused, (text) => (out += text))).rejects.toThrow('no user nobody');
    await expect(printPages({ json: false }, refused, (text) => (out += text))).rejects.toThrow('no user nobody');
    expect(out).toBe('');
  });

  it('column widths of 300,000 rows: no argument list that grows with the rows (a spread threw at about 200,000)', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [String(i), 'x']);
    expect(columnWidths(['N', 'X'], rows)).toEqual([6, 1]);
    expect(() => formatTable(['N', 'X'], rows)).not.toThrow();
  });
});
