// The repository stands on its own: code, tests and docs cite its own docs
// (docs/…), never a file outside it, and every link between its documents,
// and every docs/…#anchor a source file cites, leads somewhere.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/processes.js';

const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('bench/results/') && !f.startsWith('test/histories/') && existsSync(join(PROJECT_ROOT, f)))
  .filter((f) => /\.(ts|mjs|js|sql|md|sh|yml|json)$|^Dockerfile$/.test(f) && f !== 'package-lock.json');

/** GitHub's anchors of a Markdown file's headings. */
function anchors(file: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const slug = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug);
    seen.set(slug, (n ?? -1) + 1);
    out.add(n === undefined ? slug : `${slug}-${n + 1}`);
  }
  return out;
}

describe('the repository stands on its own', () => {
  it('no file cites a specification or notes outside the repository', () => {
    const outside = /SPEC(\.md)?\s*§|\bnotes (E\d|§)|\.\.\/shared\/|shared\/notes/;
    const offenders = tracked.filter((f) => f !== 'test/repository.test.ts' && outside.test(readFileSync(join(PROJECT_ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('every relative link in the Markdown documents leads to a file, and to a heading of it', () => {
    const broken: string[] = [];
    for (const doc of tracked.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(PROJECT_ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, url] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(url!)) continue;
        const [file, anchor] = url!.split('#') as [string, string | undefined];
        const target = file === '' ? join(PROJECT_ROOT, doc) : normalize(join(PROJECT_ROOT, dirname(doc), file));
        if (!existsSync(target)) broken.push(`${doc}: ${url}`);
        else if (anchor !== undefined && target.endsWith('.md') && !anchors(target).has(anchor)) broken.push(`${doc}: ${url}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every docs/…#anchor that code, tests or scripts cite is a heading of that document', () => {
    const broken: string[] = [];
    for (const f of tracked.filter((x) => !x.endsWith('.md'))) {
      for (const [, doc, anchor] of readFileSync(join(PROJECT_ROOT, f), 'utf8').matchAll(/\b(docs\/[a-z-]+\.md)#([\p{L}\p{N}_-]+)/gu)) {
        const target = join(PROJECT_ROOT, doc!);
        if (!existsSync(target) || !anchors(target).has(anchor!)) broken.push(`${f}: ${doc}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
