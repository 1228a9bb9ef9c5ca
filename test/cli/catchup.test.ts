// docs/rules.md#catch-up-after-downtime through the real binary: the template flags
// --catchup and --catchup-window, the one-line refusal, and `status` naming the last completed tick.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHarness, startCliHarness } from './harness.js';

const HOUR = 3_600_000;

let h: CliHarness;
beforeAll(async () => {
  h = await startCliHarness();
});
afterAll(async () => h?.close());

describe('template --catchup', () => {
  it('create with latest and a window; show prints it; update to none keeps the window', async () => {
    const created = await h.cli(['template', 'create', 'dev', '--catchup', 'latest', '--catchup-window', '2h']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^catch-up: +latest: what fell due within 2h starts$/m);
    const updated = await h.cli(['template', 'update', 'dev', '--catchup', 'none', '--json']);
    expect(updated.json()).toMatchObject({ catchup: 'none', catchupWindowMs: 2 * HOUR });
    expect((await h.cli(['template', 'show', 'dev'])).stdout).toMatch(
      /^catch-up: +none: what fell due while the engine was down is skipped$/m,
    );
  });

  it('refuses latest without a window and an unknown policy in one line, changing nothing', async () => {
    for (const [args, message] of [
      [
        ['template', 'create', 'bad', '--catchup', 'latest'],
        'autobuild: invalid catch-up window: catch-up latest needs a window greater than 0 (e.g. 2h)',
      ],
      [['template', 'update', 'dev', '--catchup', 'sometimes'], 'autobuild: invalid catch-up "sometimes": use one of all, latest, none'],
    ] as const) {
      const r = await h.cli([...args]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(message);
    }
    expect((await h.cli(['template', 'show', 'dev', '--json'])).json()).toMatchObject({ catchup: 'none' });
    expect((await h.cli(['template', 'show', 'bad'])).code).not.toBe(0);
  });

  it('status names the last completed tick, or says none completed yet', async () => {
    expect((await h.cli(['status', '--json'])).json().database).toMatchObject({ lastCompletedTick: null });
    await h.db.pool.query(`INSERT INTO engine_ticks (last_completed_tick) VALUES ('2026-12-08T08:40:00Z')`);
    expect((await h.cli(['status', '--json'])).json().database).toMatchObject({ lastCompletedTick: '2026-12-08T08:40:00.000Z' });
  });
});
