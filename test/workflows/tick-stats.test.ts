// A tick's statistics stay small, whatever the number of workspaces: they are
// carried across continue-as-new and returned as the tick's result.
import { describe, expect, it } from 'vitest';
import { blankOutcome } from '../../src/engine/outcome.js';
import { emptyStats, MESSAGE_CAP, record, recordError, SAMPLE_CAP } from '../../src/workflows/tick-stats.js';

describe('tick statistics', () => {
  it('stay bounded: at most SAMPLE_CAP ids per outcome and error messages, whatever the count', () => {
    const stats = emptyStats('2024-01-01T09:00:00.000Z', '2024-01-01T09:00:01.000Z');
    for (let i = 0; i < 1000; i++) {
      const made = blankOutcome(`w${i}`, stats.tick);
      record(stats, { ...made, kind: 'transition', buildNumber: 2, transition: 'start', reason: 'autostart' });
      record(stats, { ...blankOutcome(`e${i}`, stats.tick), kind: 'error', error: 'boom' });
    }
    expect(stats.transitions).toEqual({ 'start/autostart': 1000 });
    expect(stats.errors).toBe(1000);
    expect(stats.samples.transitions['start/autostart']).toHaveLength(SAMPLE_CAP);
    expect(stats.samples.errors).toHaveLength(SAMPLE_CAP);
    expect(JSON.stringify(stats).length).toBeLessThan(20_000);
  });

  it('keep the documented bounds (docs/operations.md#bounds): 100 sampled errors of 500 characters each', () => {
    expect(SAMPLE_CAP).toBe(100);
    expect(MESSAGE_CAP).toBe(500);
    const stats = emptyStats('2024-01-01T09:00:00.000Z', '2024-01-01T09:00:01.000Z');
    for (let i = 0; i < 150; i++) recordError(stats, `e${i}`, 'x'.repeat(2000));
    expect(stats.errors).toBe(150);
    expect(stats.samples.errors).toHaveLength(100);
    for (const sample of stats.samples.errors) {
      expect(sample.message.startsWith('x'.repeat(500))).toBe(true);
      expect(sample.message).not.toContain('x'.repeat(501));
    }
    const kept = emptyStats('2024-01-01T09:00:00.000Z', '2024-01-01T09:00:01.000Z');
    recordError(kept, 'w', 'y'.repeat(500));
    expect(kept.samples.errors[0]!.message).toBe('y'.repeat(500));
  });

  it('keep each sampled error message short: a message that quotes a long input is cut', () => {
    const stats = emptyStats('2024-01-01T09:00:00.000Z', '2024-01-01T09:00:01.000Z');
    recordError(stats, 'w', `invalid schedule "${'1,'.repeat(5000)}"`);
    expect(stats.samples.errors[0]!.message).toHaveLength(MESSAGE_CAP + 1);
    expect(stats.samples.errors[0]!.message.endsWith('…')).toBe(true);
  });
});
