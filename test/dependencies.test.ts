// The Temporal SDK packages share one copy of protobufjs: with two copies,
// converting recorded histories fails ("type must be a Type"), which breaks
// the replay tests. package.json pins protobufjs at the SDK's version so that
// npm dedupes it.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/processes.js';

const protobufOf = (pkg: string) =>
  createRequire(join(PROJECT_ROOT, 'node_modules', ...pkg.split('/'), 'package.json')).resolve('protobufjs');

// Product code imports what packages publish, never their internals (a path
// such as '@temporalio/worker/lib/…' breaks silently on an upgrade).
const IMPORT = /(?:from\s+|import\s*\(\s*)'([^'.][^']*)'/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mts|mjs|js)$/.test(f))
    .map((f) => join(dir, f));
}

function packageOf(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const n = specifier.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, n).join('/'), subpath: parts.slice(n).join('/') };
}

describe('dependencies', () => {
  it('src/ and scripts/ import only packages declared in package.json, through their published entry points', () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]);
    const wrong: string[] = [];
    for (const file of [...sourceFiles('src'), ...sourceFiles('scripts')]) {
      for (const [, specifier] of readFileSync(join(PROJECT_ROOT, file), 'utf8').matchAll(IMPORT)) {
        if (specifier!.startsWith('node:')) continue;
        const { name, subpath } = packageOf(specifier!);
        if (!declared.has(name)) wrong.push(`${file}: ${specifier} (not in package.json)`);
        if (subpath === '') continue;
        const exportsMap = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')).exports ?? {};
        if (typeof exportsMap !== 'object' || !(`./${subpath}` in exportsMap))
          wrong.push(`${file}: ${specifier} (not published by ${name})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the @temporalio packages that use protobufjs resolve one and the same copy', () => {
    const copies = new Set(['@temporalio/common', '@temporalio/proto', '@temporalio/worker', '@temporalio/client'].map(protobufOf));
    expect([...copies]).toEqual([join(PROJECT_ROOT, 'node_modules', 'protobufjs', 'index.js')]);
  });
});
