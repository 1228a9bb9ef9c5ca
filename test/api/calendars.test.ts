// Pause, skip and holiday calendars over HTTP (docs/api.md#holiday-calendars): who may do
// what, the iCalendar body as text/calendar or JSON, and the error shape of a refusal.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/processes.js';
import { type ApiHarness, startApiHarness, ws } from './harness.js';

describe('pause, skip and calendars over the API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'dev' });
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'dev', autostartSchedule: '0 9 * * *' });
    await h.ops.waitForBuild(created.jobId, 20_000);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the owner pauses and resumes; another member may not; the workspace shows the pause', async () => {
    const path = `/api/v1/workspaces/${ws('alice/dev')}/pause`;
    expect((await h.call(h.tokens.bob, 'PUT', path, { note: 'x' })).status).toBe(404);
    const paused = await h.call(h.tokens.alice, 'PUT', path, { note: 'parental leave' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      workspace: 'alice/dev',
      autostartPause: { until: null, note: 'parental leave', by: 'alice' },
      nextStartAt: null,
    });
    const shown = await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/dev')}`);
    expect(shown.body).toMatchObject({ autostartPause: { until: null, note: 'parental leave', by: 'alice' }, autostartSkipAt: null });
    const bad = await h.call(h.tokens.alice, 'PUT', path, { until: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid', field: 'until' });
    expect((await h.call(h.tokens.alice, 'DELETE', path)).body).toMatchObject({ autostartPause: null });
    expect((await h.call(h.tokens.alice, 'DELETE', path)).status).toBe(409);
    const skipped = await h.call(h.tokens.alice, 'PUT', `/api/v1/workspaces/${ws('alice/dev')}/skip-next`);
    expect(skipped.status).toBe(200);
    expect(skipped.body.autostartSkipAt).not.toBeNull();
    expect((await h.call(h.tokens.alice, 'DELETE', `/api/v1/workspaces/${ws('alice/dev')}/skip-next`)).body.autostartSkipAt).toBeNull();
  });

  it('calendars: template admins change them, members read; import as text/calendar or JSON; a timed event is refused', async () => {
    const ics = await readFile(join(PROJECT_ROOT, 'test/fixtures/holidays.ics'), 'utf8');
    const timed = await readFile(join(PROJECT_ROOT, 'test/fixtures/timed-event.ics'), 'utf8');
    expect((await h.call(h.tokens.alice, 'POST', '/api/v1/calendars', { name: 'de' })).status).toBe(403);
    expect((await h.call(h.tokens.admin, 'POST', '/api/v1/calendars', { name: 'de' })).status).toBe(201);
    const asText = await h.call(h.tokens.admin, 'POST', '/api/v1/calendars/de/import', ics, { 'content-type': 'text/calendar' });
    expect(asText.status).toBe(200);
    expect(asText.body.calendar.dates).toBeGreaterThan(1);
    const asJson = await h.call(h.tokens.admin, 'POST', '/api/v1/calendars/other/import', { ics });
    expect(asJson.status).toBe(200);
    const refused = await h.call(h.tokens.admin, 'POST', '/api/v1/calendars/de/import', timed, { 'content-type': 'text/calendar' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/event "Team meeting" .* only all-day events/);
    const shown = await h.call(h.tokens.bob, 'GET', '/api/v1/calendars/de');
    expect(shown.body.holidays).toContainEqual({ date: '2026-01-06', name: 'Epiphany' });

    expect((await h.call(h.tokens.alice, 'PUT', '/api/v1/templates/dev/calendars/de')).status).toBe(403);
    const attached = await h.call(h.tokens.admin, 'PUT', '/api/v1/templates/dev/calendars/de');
    expect(attached.status).toBe(200);
    expect(attached.body.calendar.templates).toEqual(['dev']);
    expect((await h.call(h.tokens.admin, 'PUT', '/api/v1/templates/dev/calendars/de')).status).toBe(409);

    expect((await h.call(h.tokens.bob, 'PUT', '/api/v1/users/me/calendars/other')).body.calendar.users).toEqual(['bob']);
    expect((await h.call(h.tokens.bob, 'PUT', '/api/v1/users/alice/calendars/other')).status).toBe(404);
    expect((await h.call(h.tokens.owner, 'PUT', '/api/v1/users/alice/calendars/other')).status).toBe(200);
    expect((await h.call(h.tokens.admin, 'PUT', '/api/v1/calendars/de/dates/2026-02-30', {})).status).toBe(400);
    expect((await h.call(h.tokens.admin, 'PUT', '/api/v1/calendars/de/dates/2026-02-16', { name: 'Rosenmontag' })).status).toBe(200);
    expect((await h.call(h.tokens.admin, 'DELETE', '/api/v1/calendars/de')).status).toBe(200);
    expect((await h.call(h.tokens.bob, 'GET', '/api/v1/calendars/de')).status).toBe(404);
  });
});
