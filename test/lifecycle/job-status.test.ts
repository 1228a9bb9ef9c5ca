import { describe, expect, it } from 'vitest';
import { deriveJobStatus, isJobActive, type JobStatus } from '../../src/lifecycle/index.js';

const t = new Date('2024-01-01T10:00:00Z');

describe('job status derivation', () => {
  it.each([
    { name: 'not started', job: { startedAt: null, completedAt: null, canceledAt: null, error: null }, status: 'pending' },
    { name: 'started', job: { startedAt: t, completedAt: null, canceledAt: null, error: null }, status: 'running' },
    { name: 'cancel requested while running', job: { startedAt: t, completedAt: null, canceledAt: t, error: null }, status: 'canceling' },
    { name: 'error set before completion', job: { startedAt: t, completedAt: null, canceledAt: null, error: 'boom' }, status: 'failed' },
    { name: 'completed without error', job: { startedAt: t, completedAt: t, canceledAt: null, error: null }, status: 'succeeded' },
    { name: 'completed with error', job: { startedAt: t, completedAt: t, canceledAt: null, error: 'boom' }, status: 'failed' },
    { name: 'completed after cancel', job: { startedAt: t, completedAt: t, canceledAt: t, error: null }, status: 'canceled' },
    {
      name: 'pending job canceled (canceled_at and completed_at set)',
      job: { startedAt: null, completedAt: t, canceledAt: t, error: null },
      status: 'canceled',
    },
    {
      name: 'error wins over cancel when completed',
      job: { startedAt: t, completedAt: t, canceledAt: t, error: 'boom' },
      status: 'failed',
    },
    {
      name: 'error wins over cancel when not completed',
      job: { startedAt: t, completedAt: null, canceledAt: t, error: 'boom' },
      status: 'failed',
    },
  ] as { name: string; job: Parameters<typeof deriveJobStatus>[0]; status: JobStatus }[])('$name → $status', ({ job, status }) => {
    expect(deriveJobStatus(job)).toBe(status);
  });

  it.each([
    ['pending', true],
    ['running', true],
    ['canceling', true],
    ['succeeded', false],
    ['failed', false],
    ['canceled', false],
  ] as [JobStatus, boolean][])('%s is active: %s', (status, active) => {
    expect(isJobActive(status)).toBe(active);
  });
});
