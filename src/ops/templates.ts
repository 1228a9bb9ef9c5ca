// Templates: create (with an active version v1), update every option of
// docs/rules.md#entities with validation, versions and promotion. Changing the autodelete
// setting moves dormant workspaces' deletion dates (docs/rules.md#other-changes); changing the
// allowed days or autostart permission recomputes or unblocks next_start_at (docs/rules.md#the-next_start_at-cache).

import type { PoolClient } from '../db/pool.js';
import { lockAutostartInputs } from '../db/sql/calendars.js';
import { databaseNow } from '../db/sql/complete-build.js';
import {
  findTemplate,
  insertTemplate,
  insertVersion,
  listTemplates,
  listVersions,
  recomputeDeletingAt,
  resetInactivity,
  setActiveVersion,
  type TemplateRow,
  updateTemplatePolicy,
  type VersionRow,
} from '../db/sql/templates.js';
import { updateAutostartCache } from '../db/sql/update-autostart-cache.js';
import { autostartCache, type TemplatePolicy } from '../lifecycle/index.js';
import { recordAudit } from './audit.js';
import { type OpsDeps, transaction } from './context.js';
import { conflict, invalid, notFound } from './errors.js';
import { type Page, type PageRequest, pageQuery, toPage } from './pages.js';
import { type DryRunOptions, type DryRunReport, dryRunTemplateUpdate } from './policy-dry-run.js';
import * as v from './validate.js';

export type Template = TemplateRow;
export type TemplateVersion = VersionRow;

/** Every option of docs/rules.md#entities, all optional; durations as text (`8h`) or milliseconds. */
export interface TemplateOptionsInput {
  defaultTtl?: v.DurationInput;
  activityBump?: v.DurationInput;
  allowUserAutostart?: boolean;
  allowUserAutostop?: boolean;
  autostartAllowedDays?: v.DaysInput;
  failureTtl?: v.DurationInput;
  timeTilDormant?: v.DurationInput;
  timeTilDormantAutodelete?: v.DurationInput;
  autostopRequirementDays?: v.DaysInput;
  autostopRequirementWeeks?: number;
  autostopNotifyBefore?: v.DurationInput;
  requireActiveVersion?: boolean;
  /** docs/rules.md#catch-up-after-downtime: all (the default), latest (within catchupWindow) or none. */
  catchup?: string;
  /** docs/rules.md#catch-up-after-downtime: the window of `latest`. */
  catchupWindow?: v.DurationInput;
  /** docs/rules.md#autodelete-warning: warn the owner this long before autodelete; 0 = off (the default). */
  autodeleteNotifyBefore?: v.DurationInput;
}

export interface TemplateUpdate {
  template: Template;
  /** Dormant workspaces whose deletion date moved. */
  deletingAtRecomputed: number;
  /** Workspaces whose next_start_at / blocked record was recomputed. */
  autostartRecomputed: number;
  /** Workspaces whose last use was reset to now (the `resetInactivity` option; 0 without it). */
  inactivityReset: number;
}

const FIRST_VERSION = 'v1';
const CATCHUP_POLICIES = ['all', 'latest', 'none'] as const;

/** Validates options into policy fields; unknown keys are refused too. */
export function parseTemplateOptions(input: TemplateOptionsInput): Partial<TemplatePolicy> {
  const known: Record<keyof TemplateOptionsInput, true> = {
    defaultTtl: true,
    activityBump: true,
    allowUserAutostart: true,
    allowUserAutostop: true,
    autostartAllowedDays: true,
    failureTtl: true,
    timeTilDormant: true,
    timeTilDormantAutodelete: true,
    autostopRequirementDays: true,
    autostopRequirementWeeks: true,
    autostopNotifyBefore: true,
    requireActiveVersion: true,
    catchup: true,
    catchupWindow: true,
    autodeleteNotifyBefore: true,
  };
  for (const key of Object.keys(input)) {
    if (!(key in known)) throw invalid(`unknown template option "${key}"`);
  }
  const p: Partial<TemplatePolicy> = {};
  const has = <K extends keyof TemplateOptionsInput>(k: K) => input[k] !== undefined;
  if (has('defaultTtl')) {
    const ms = v.policyMs('default TTL', input.defaultTtl!);
    p.defaultTtlMs = ms === 0 ? 0 : v.ttlMs('default TTL', ms);
  }
  if (has('activityBump')) p.activityBumpMs = v.policyMs('activity bump', input.activityBump!);
  if (has('allowUserAutostart')) p.allowUserAutostart = v.boolean('allow user autostart', input.allowUserAutostart);
  if (has('allowUserAutostop')) p.allowUserAutostop = v.boolean('allow user autostop', input.allowUserAutostop);
  if (has('autostartAllowedDays')) p.autostartAllowedDays = v.weekdays('autostart allowed days', input.autostartAllowedDays!);
  if (has('failureTtl')) p.failureTtlMs = v.offOrAtLeastMinute('failure TTL', input.failureTtl!);
  if (has('timeTilDormant')) p.timeTilDormantMs = v.offOrAtLeastMinute('time til dormant', input.timeTilDormant!);
  if (has('timeTilDormantAutodelete')) {
    p.timeTilDormantAutodeleteMs = v.offOrAtLeastMinute('time til dormant autodelete', input.timeTilDormantAutodelete!);
  }
  if (has('autostopRequirementDays')) p.autostopRequirementDays = v.weekdays('autostop requirement days', input.autostopRequirementDays!);
  if (has('autostopRequirementWeeks')) {
    p.autostopRequirementWeeks = v.integerBetween('autostop requirement weeks', input.autostopRequirementWeeks, 1, 16);
  }
  if (has('autostopNotifyBefore')) p.autostopNotifyBeforeMs = v.policyMs('autostop notify before', input.autostopNotifyBefore!);
  if (has('requireActiveVersion')) p.requireActiveVersion = v.boolean('require active version', input.requireActiveVersion);
  if (has('catchup')) p.catchup = v.oneOf('catch-up', input.catchup, CATCHUP_POLICIES);
  if (has('catchupWindow')) p.catchupWindowMs = v.offOrAtLeastMinute('catch-up window', input.catchupWindow!);
  if (has('autodeleteNotifyBefore')) {
    p.autodeleteNotifyBeforeMs = v.offOrAtLeastMinute('autodelete notify before', input.autodeleteNotifyBefore!);
  }
  return p;
}

export class TemplateOps {
  constructor(private readonly deps: OpsDeps) {}

  async create(input: { name: string } & TemplateOptionsInput): Promise<Template> {
    const { name: rawName, ...options } = input;
    const name = v.name('template name', rawName);
    const policy = parseTemplateOptions(options);
    v.catchupWindow(policy);
    const id = await transaction(this.deps, async (c) => {
      const id = await insertTemplate(c, { name, versionName: FIRST_VERSION, policy });
      if (id === null) throw conflict(`template ${name} already exists`);
      const created = (await findTemplate(c, id))!;
      await recordAudit(c, this.deps, {
        action: 'template.create',
        templateId: id,
        before: null,
        after: { name, activeVersion: created.activeVersion.name, policy: created.policy },
      });
      return id;
    });
    return this.get(id);
  }

  /** By name or id. */
  async get(ref: string): Promise<Template> {
    const template = await findTemplate(this.deps.pool, ref);
    if (template === null) throw notFound(`no template ${ref}`);
    return template;
  }

  /** A page of templates, by name. */
  async list(page: PageRequest = {}): Promise<Page<Template>> {
    const { limit, after } = pageQuery(page, 1);
    const rows = await listTemplates(this.deps.pool, { after: after?.[0] ?? null, limit: limit + 1 });
    return toPage(rows, limit, (t) => [t.name]);
  }

  /**
   * Changes the options given. `resetInactivity`: every workspace of the template last used now, in the
   * same transaction. `dryRun`: writes nothing and reports what the change would do over the next `days`
   * (docs/rules.md#policy-dry-run-and-timeline).
   */
  update(ref: string, options: TemplateOptionsInput, opts: { dryRun: true } & DryRunOptions): Promise<DryRunReport>;
  update(ref: string, options: TemplateOptionsInput, opts?: { dryRun?: false; resetInactivity?: boolean }): Promise<TemplateUpdate>;
  async update(
    ref: string,
    options: TemplateOptionsInput,
    opts: { dryRun?: boolean } & DryRunOptions = {},
  ): Promise<TemplateUpdate | DryRunReport> {
    const policy = parseTemplateOptions(options);
    if (opts.dryRun === true) return dryRunTemplateUpdate(this.deps, ref, policy, opts);
    if (opts.days !== undefined) throw invalid('days applies to a dry-run only', 'days');
    return transaction(this.deps, async (c) => {
      const before = await lockTemplate(c, ref);
      await updateTemplatePolicy(c, before.id, policy);
      const after = (await findTemplate(c, before.id))!;
      v.catchupWindow(after.policy);
      const was = before.policy;
      const now = after.policy;
      let deletingAtRecomputed = 0;
      if (now.timeTilDormantAutodeleteMs !== was.timeTilDormantAutodeleteMs) {
        deletingAtRecomputed = await recomputeDeletingAt(c, after.id, now.timeTilDormantAutodeleteMs);
      }
      let autostartRecomputed = 0;
      const daysChanged = now.autostartAllowedDays.join() !== was.autostartAllowedDays.join();
      if (daysChanged || now.allowUserAutostart !== was.allowUserAutostart) {
        const at = await databaseNow(c);
        // With each workspace's pause, skip and holidays (docs/rules.md#holiday-calendars).
        for (const w of await lockAutostartInputs(c, { templateId: after.id })) {
          await updateAutostartCache(c, w.id, autostartCache(w, now, at, w.holidays));
          autostartRecomputed++;
        }
      }
      const inactivityReset = opts.resetInactivity === true ? await resetInactivity(c, after.id) : 0;
      // The options given, as they were and as they are.
      const changed = Object.keys(policy) as Array<keyof TemplatePolicy>;
      await recordAudit(c, this.deps, {
        action: 'template.update',
        templateId: after.id,
        before: { policy: pick(was, changed) },
        after: {
          policy: pick(now, changed),
          deletingAtRecomputed,
          autostartRecomputed,
          ...(opts.resetInactivity === true && { inactivityReset }),
        },
      });
      return { template: after, deletingAtRecomputed, autostartRecomputed, inactivityReset };
    });
  }

  async createVersion(ref: string, versionName: string, opts: { activate?: boolean } = {}): Promise<TemplateVersion> {
    const name = v.name('version name', versionName);
    return transaction(this.deps, async (c) => {
      const template = await lockTemplate(c, ref);
      const version = await insertVersion(c, template.id, name);
      if (version === null) throw conflict(`template ${template.name} already has a version ${name}`);
      if (opts.activate) await setActiveVersion(c, template.id, version.id);
      await recordAudit(c, this.deps, {
        action: 'template.version.create',
        templateId: template.id,
        before: opts.activate ? { activeVersion: template.activeVersion.name } : null,
        after: { version: name, versionId: version.id, ...(opts.activate ? { activeVersion: name } : {}) },
      });
      return { ...version, active: opts.activate === true };
    });
  }

  /** The active version is what new workspaces and updating autostarts build (docs/rules.md#applying-a-decision-the-build-transaction). */
  async promoteVersion(ref: string, versionName: string): Promise<Template> {
    await transaction(this.deps, async (c) => {
      const template = await lockTemplate(c, ref);
      const version = (await listVersions(c, template.id)).find((x) => x.name === versionName || x.id === versionName);
      if (version === undefined) throw notFound(`template ${template.name} has no version ${versionName}`);
      await setActiveVersion(c, template.id, version.id);
      await recordAudit(c, this.deps, {
        action: 'template.version.promote',
        templateId: template.id,
        before: { activeVersion: template.activeVersion.name },
        after: { activeVersion: version.name },
      });
    });
    return this.get(ref);
  }

  async versions(ref: string): Promise<TemplateVersion[]> {
    const template = await this.get(ref);
    return listVersions(this.deps.pool, template.id);
  }

  /** A page of versions, oldest first (the HTTP API's list). */
  async versionPage(ref: string, page: PageRequest = {}): Promise<Page<TemplateVersion>> {
    const { limit, after } = pageQuery(page, 1);
    const template = await this.get(ref);
    const id = after?.[0] ?? null;
    if (id !== null && !/^[0-9a-f-]{36}$/i.test(id))
      throw invalid('invalid cursor: pass back the nextCursor of the previous page', 'cursor');
    const rows = await listVersions(this.deps.pool, template.id, { after: id, limit: limit + 1 });
    return toPage(rows, limit, (v) => [v.id]);
  }
}

const pick = (policy: TemplatePolicy, keys: Array<keyof TemplatePolicy>) => Object.fromEntries(keys.map((k) => [k, policy[k]]));

async function lockTemplate(c: PoolClient, ref: string): Promise<Template> {
  const template = await findTemplate(c, ref, { lock: 'update' });
  if (template === null) throw notFound(`no template ${ref}`);
  return template;
}
