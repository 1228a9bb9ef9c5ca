// The dashboard's forms for pause and skip, the reminder actions and the
// template dry-run, over plain HTTP: each asks the API's route, and a
// preview writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { dumpTables, WRITTEN_BY_AUTHENTICATION } from '../helpers/tables.js';
import { Browser } from './browser.js';

describe('dashboard forms for pause, skip, reminders and the dry-run', () => {
  let h: ApiHarness;
  let id: string;
  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'dev', defaultTtl: '1h' });
    const started = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'dev', autostartSchedule: '0 9 * * *' });
    await h.ops.waitForBuild(started.jobId, 30_000);
    id = started.workspaceId;
  });
  afterAll(async () => {
    await h?.close();
  });

  const workspace = async () => (await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${id}`)).body;

  it('pauses autostart with a note and resumes it', async () => {
    const b = new Browser(h);
    await b.signIn(h.tokens.alice);
    const csrf = Browser.csrfOf((await b.get('/')).text);
    const paused = await b.post(`/workspaces/${id}/pause`, { csrf, do: 'pause', until: '', note: 'on leave', back: '/' });
    expect(paused.status).toBe(303);
    expect((await workspace()).autostartPause).toMatchObject({ until: null, note: 'on leave', by: 'alice' });
    expect((await b.get('/?done=pause')).text).toContain('Autostart paused.');
    await b.post(`/workspaces/${id}/pause`, { csrf, do: 'resume', back: '/' });
    expect((await workspace()).autostartPause).toBeNull();
  });

  it('keeps it running an hour longer', async () => {
    const b = new Browser(h);
    await b.signIn(h.tokens.alice);
    const csrf = Browser.csrfOf((await b.get('/')).text);
    const before = Date.parse((await workspace()).deadline);
    const answer = await b.post(`/workspaces/${id}/reminder`, { csrf, do: 'keep-running', back: `/workspaces/${id}` });
    expect(answer.status).toBe(303);
    expect(Date.parse((await workspace()).deadline)).toBeGreaterThan(before);
  });

  it("a template admin previews a change's effect before saving it; the preview writes nothing", async () => {
    const b = new Browser(h);
    await b.signIn(h.tokens.admin);
    const page = await b.get('/templates');
    const csrf = Browser.csrfOf(page.text);
    const template = (await h.call(h.tokens.admin, 'GET', '/api/v1/templates/dev')).body;
    const before = await dumpTables(h.db.pool, WRITTEN_BY_AUTHENTICATION);
    const form = {
      csrf,
      intent: 'dry-run',
      defaultTtlMs: '1h',
      activityBumpMs: '1h',
      allowUserAutostart: 'on',
      allowUserAutostop: 'on',
      failureTtlMs: '0',
      timeTilDormantMs: '0',
      timeTilDormantAutodeleteMs: '0',
      autostopRequirementWeeks: '1',
      autostopNotifyBeforeMs: '0',
      catchup: 'all',
      catchupWindowMs: '1h',
      autodeleteNotifyBeforeMs: '0',
      autostartAllowedDays: 'monday',
    };
    const answer = await b.post(`/templates/${template.id}`, form);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('If saved — not saved yet');
    expect(answer.text).toMatch(/1 of 1 workspaces would change/);
    expect(await dumpTables(h.db.pool, WRITTEN_BY_AUTHENTICATION)).toEqual(before);
  });
});
