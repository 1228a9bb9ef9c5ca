// The README stays true: every variable the configuration module reads is documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configVariables } from './helpers/config-variables.js';
import { PROJECT_ROOT } from './helpers/processes.js';

describe('README', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  it('documents every environment variable in the configuration table', () => {
    const variables = configVariables();
    expect(variables.length).toBeGreaterThan(10); // a broken extraction must not make this test vacuous
    expect(variables).toContain('AUTOBUILD_TICK_PAGE_SIZE');
    const missing = variables.filter((v) => !readme.includes(`\`${v}\``));
    expect(missing).toEqual([]);
  });
});

describe('README walkthrough', () => {
  it('is the same command block that test/cli/walkthrough.test.ts runs from docs/cli.md', () => {
    const block = (text: string) => /```sh\n(npx autobuild user create.*?)```/s.exec(text)?.[1];
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const cli = readFileSync(join(PROJECT_ROOT, 'docs/cli.md'), 'utf8');
    expect(block(cli)).toBeTruthy();
    expect(block(readme)).toBe(block(cli));
  });
});
