// The Temporal SDK packages share one copy of protobufjs: with two copies,
// converting recorded histories fails ("type must be a Type"), which breaks
// the replay tests. package.json pins protobufjs at the SDK's version so that
// npm dedupes it.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/processes.js';

const protobufOf = (pkg: string) =>
  createRequire(join(PROJECT_ROOT, 'node_modules', ...pkg.split('/'), 'package.json')).resolve('protobufjs');

describe('dependencies', () => {
  it('the @temporalio packages that use protobufjs resolve one and the same copy', () => {
    const copies = new Set(['@temporalio/common', '@temporalio/proto', '@temporalio/worker', '@temporalio/client'].map(protobufOf));
    expect([...copies]).toEqual([join(PROJECT_ROOT, 'node_modules', 'protobufjs', 'index.js')]);
  });
});
