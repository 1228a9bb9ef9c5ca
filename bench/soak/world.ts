// The soak's world: a seeded population (templates with dormancy, deletion and
// autostop policies; owners with quiet hours; workspaces with schedules in
// several zones, TTLs and habits of use) and, minute by minute, what people do
// to it (the edits) and what their tools report (activity).
import type { Pool } from '../../src/db/pool.js';
import { autostartCache, HOUR, MINUTE, type OwnerStatus, type TemplatePolicy, type Transition } from '../../src/lifecycle/index.js';
import { type Ops, parseTemplateOptions, type TemplateOptionsInput } from '../../src/ops/index.js';
import type { Oracle } from './oracle.js';
import type { Random } from './random.js';

/** Zones of schedules and quiet hours; Europe/* and Australia/Sydney change their offset in the default week. */
export const ZONES = [
  'UTC',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Asia/Tokyo',
];

const TEMPLATES: Array<{ name: string; weight: number; options: TemplateOptionsInput }> = [
  { name: 'soak-basic', weight: 30, options: { defaultTtl: '8h', activityBump: '1h' } },
  {
    name: 'soak-dormant',
    weight: 20,
    options: { defaultTtl: '4h', activityBump: '30m', timeTilDormant: '36h', timeTilDormantAutodelete: '24h', failureTtl: '2h' },
  },
  {
    name: 'soak-strict',
    weight: 15,
    options: {
      allowUserAutostop: false,
      defaultTtl: '6h',
      autostartAllowedDays: 'mon-fri',
      autostopRequirementDays: 'mon-fri',
      autostopNotifyBefore: '30m',
    },
  },
  {
    name: 'soak-weekly',
    weight: 15,
    options: {
      defaultTtl: '10h',
      activityBump: '2h',
      autostopRequirementDays: 'sat',
      timeTilDormant: '3d',
      timeTilDormantAutodelete: '2d',
    },
  },
  { name: 'soak-cleanup', weight: 10, options: { defaultTtl: '2h', activityBump: '0', failureTtl: '1h', timeTilDormant: '2d' } },
  { name: 'soak-noauto', weight: 10, options: { defaultTtl: '3h', allowUserAutostart: false } },
];

/** Policy changes a template administrator makes during the week (each template: one of its list). */
const TEMPLATE_EDITS: Record<string, TemplateOptionsInput[]> = {
  'soak-basic': [{ timeTilDormant: '2d' }, { timeTilDormant: '0' }, { defaultTtl: '4h' }, { defaultTtl: '8h' }],
  'soak-dormant': [
    { timeTilDormantAutodelete: '12h' },
    { timeTilDormantAutodelete: '24h' },
    { timeTilDormant: '1d' },
    { timeTilDormant: '36h' },
  ],
  'soak-strict': [{ autostartAllowedDays: 'mon-sun' }, { autostartAllowedDays: 'mon-fri' }, { autostopNotifyBefore: '1h' }],
  'soak-weekly': [
    { activityBump: '30m' },
    { activityBump: '2h' },
    { autostopRequirementDays: 'sat,wed' },
    { autostopRequirementDays: 'sat' },
  ],
  'soak-cleanup': [{ failureTtl: '3h' }, { failureTtl: '1h' }, { timeTilDormantAutodelete: '1d' }, { timeTilDormantAutodelete: '0' }],
  'soak-noauto': [{ allowUserAutostart: true }, { allowUserAutostart: false }],
};

const TTLS = [30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 10 * HOUR, 12 * HOUR];
const DAYS = ['*', '*', '1-5', '1-5', '1-5', '1,3,5', '0,6', '2-4'];

/** How often a workspace's tools report activity in a five-minute window. */
const HABITS = [0, 0, 0.2, 0.2, 0.5, 0.8];

export function randomSchedule(r: Random): string {
  const zone = r.pick(ZONES);
  // Mostly working mornings; some at any hour, including the hours a DST change skips or repeats.
  const hour = r.chance(0.7) ? r.int(6, 10) : r.int(0, 23);
  const minute = r.chance(0.6) ? r.pick([0, 15, 30, 45]) : r.int(0, 59);
  return `CRON_TZ=${zone} ${minute} ${hour} * * ${r.pick(DAYS)}`;
}

export interface Population {
  workspaceIds: string[];
  /** Owners of workspaces, in the order they were made (their ids come from the database: no ordering by id repeats with the seed). */
  ownerIds: string[];
  /** Probability that a workspace's tools report activity in a five-minute window. */
  habit: Map<string, number>;
  templateIds: Map<string, string>;
}

/**
 * Creates the population at the database clock `at`: templates and owners through the
 * operations module, workspaces in bulk (each stopped after a first build by its owner).
 */
export async function seedPopulation(pool: Pool, ops: Ops, r: Random, workspaces: number, at: Date): Promise<Population> {
  const templateIds = new Map<string, string>();
  const policies = new Map<string, TemplatePolicy>();
  const versions = new Map<string, string>();
  for (const t of TEMPLATES) {
    const created = await ops.templates.create({ name: t.name, ...t.options });
    templateIds.set(t.name, created.id);
    policies.set(created.id, created.policy);
    versions.set(created.id, created.activeVersion.id);
  }
  const owners: string[] = [];
  for (let i = 0; i < Math.max(1, Math.ceil(workspaces / 4)); i++) {
    const quiet = r.chance(0.3) ? `CRON_TZ=${r.pick(ZONES)} 0 ${r.int(0, 23)} * * *` : null;
    const user = await ops.users.create({ username: `soak-u${i}`, quietHoursSchedule: quiet });
    owners.push(user.id);
  }
  const totalWeight = TEMPLATES.reduce((n, t) => n + t.weight, 0);
  const pickTemplate = () => {
    let x = r.next() * totalWeight;
    for (const t of TEMPLATES) {
      x -= t.weight;
      if (x < 0) return templateIds.get(t.name)!;
    }
    return templateIds.get(TEMPLATES[0]!.name)!;
  };

  const rows = Array.from({ length: workspaces }, (_, i) => {
    const templateId = pickTemplate();
    const schedule = r.chance(0.7) ? randomSchedule(r) : null;
    const cache = autostartCache({ autostartSchedule: schedule, dormantAt: null }, policies.get(templateId)!, at);
    const builtAt = new Date(at.getTime() - r.int(60, 48 * 60) * MINUTE);
    return {
      id: randomUUIDFrom(r),
      ownerId: r.pick(owners),
      templateId,
      name: `w${i}`,
      schedule,
      ttlMs: r.chance(0.2) ? null : r.pick(TTLS),
      lastUsedAt: new Date(at.getTime() - r.int(0, 60 * 60) * MINUTE),
      nextStartAt: cache.nextStartAt,
      blocked: cache.autostartBlocked,
      builtAt,
      jobId: randomUUIDFrom(r),
      versionId: versions.get(templateId)!,
    };
  });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (let i = 0; i < rows.length; i += 500) {
      const b = rows.slice(i, i + 500);
      const col = <K extends keyof (typeof b)[number]>(k: K) => b.map((x) => x[k]);
      await client.query(
        `INSERT INTO workspaces (id, owner_id, template_id, name, autostart_schedule, ttl_ms, last_used_at, next_start_at, autostart_blocked, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[],
                              $8::timestamptz[], $9::text[], $10::timestamptz[])`,
        [
          col('id'),
          col('ownerId'),
          col('templateId'),
          col('name'),
          col('schedule'),
          col('ttlMs'),
          col('lastUsedAt'),
          col('nextStartAt'),
          col('blocked'),
          col('builtAt'),
        ],
      );
      await client.query(
        `INSERT INTO provisioner_jobs (id, created_at, started_at, completed_at)
         SELECT id, at, at, at FROM unnest($1::uuid[], $2::timestamptz[]) AS i(id, at)`,
        [col('jobId'), col('builtAt')],
      );
      await client.query(
        `INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id, created_at)
         SELECT ws, 1, 'stop', 'initiator', version, owner, job, at
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[]) AS i(ws, version, owner, job, at)`,
        [col('id'), col('versionId'), col('ownerId'), col('jobId'), col('builtAt')],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  return {
    workspaceIds: rows.map((x) => x.id).sort(),
    ownerIds: owners.filter((o) => rows.some((x) => x.ownerId === o)),
    habit: new Map(rows.map((x) => [x.id, r.pick(HABITS)])),
    templateIds,
  };
}

/** A v4-shaped UUID from the seeded stream (so that ids, and with them every ordering, repeat with the seed). */
function randomUUIDFrom(r: Random): string {
  const hex = Array.from({ length: 32 }, () => r.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = ((r.int(0, 15) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

export type Edit =
  | { kind: 'start' | 'stop'; workspaceId: string }
  | { kind: 'schedule'; workspaceId: string; schedule: string | null }
  | { kind: 'ttl'; workspaceId: string; ttlMs: number | null }
  | { kind: 'dormant'; workspaceId: string }
  | { kind: 'failure'; workspaceId: string; transitions: Transition[] | null };

export type AdminEdit =
  | { kind: 'template'; templateId: string; options: TemplateOptionsInput; change: Partial<TemplatePolicy> }
  | { kind: 'owner'; ownerId: string; status: OwnerStatus };

export interface Minute {
  admin: AdminEdit[];
  edits: Edit[];
  /** Workspaces whose tools report activity this minute (one batch). */
  activity: string[];
}

/** Mean events per minute for 2,000 workspaces (scaled with the population). */
const RATES = {
  start: 0.12,
  stop: 0.12,
  schedule: 0.08,
  ttl: 0.08,
  dormant: 0.004,
  failure: 0.01,
  template: 0.004,
  suspend: 0.003,
};

/** What happens in minute `index` of the week, drawn from `r` and the oracle's current state. */
export function drawMinute(
  r: Random,
  oracle: Oracle,
  population: Population,
  index: number,
  failing: Set<string>,
  templateNames: Map<string, string>,
): Minute {
  const scale = population.workspaceIds.length / 2000;
  const live = oracle.live();
  const touched = new Set<string>();
  const admin: AdminEdit[] = [];
  const edits: Edit[] = [];

  for (let n = r.poisson(RATES.template * Math.max(scale, 0.25)); n > 0; n--) {
    const templateId = r.pick([...population.templateIds.values()]);
    const options = r.pick(TEMPLATE_EDITS[templateNames.get(templateId)!]!);
    admin.push({ kind: 'template', templateId, options, change: parseTemplateOptions(options) });
  }
  for (let n = r.poisson(RATES.suspend * scale); n > 0; n--) {
    const ownerId = r.pick(population.ownerIds);
    if (oracle.ownerStatus(ownerId) === 'active') admin.push({ kind: 'owner', ownerId, status: 'suspended' });
  }
  // A suspended owner is active again after about three hours.
  for (const ownerId of population.ownerIds) {
    if (oracle.ownerStatus(ownerId) === 'suspended' && r.chance(1 / 180)) admin.push({ kind: 'owner', ownerId, status: 'active' });
  }

  const target = (ok: (id: string) => boolean): string | null => {
    for (let attempt = 0; attempt < 8 && live.length > 0; attempt++) {
      const id = r.pick(live);
      if (!touched.has(id) && ok(id)) {
        touched.add(id);
        return id;
      }
    }
    return null;
  };
  const draws: Array<[number, () => Edit | null]> = [
    [
      RATES.start,
      () => {
        const id = target((x) => {
          const v = oracle.view(x);
          return v.status !== 'running' && v.ownerStatus !== 'suspended';
        });
        return id === null ? null : { kind: 'start', workspaceId: id };
      },
    ],
    [
      RATES.stop,
      () => {
        const id = target((x) => oracle.view(x).status !== 'stopped');
        return id === null ? null : { kind: 'stop', workspaceId: id };
      },
    ],
    [
      RATES.schedule,
      () => {
        const id = target((x) => oracle.view(x).template.allowUserAutostart);
        return id === null ? null : { kind: 'schedule', workspaceId: id, schedule: r.chance(0.2) ? null : randomSchedule(r) };
      },
    ],
    [
      RATES.ttl,
      () => {
        const id = target((x) => oracle.view(x).template.allowUserAutostop);
        return id === null ? null : { kind: 'ttl', workspaceId: id, ttlMs: r.chance(0.15) ? null : r.pick(TTLS) };
      },
    ],
    [
      RATES.dormant,
      () => {
        const id = target((x) => !oracle.view(x).dormant);
        return id === null ? null : { kind: 'dormant', workspaceId: id };
      },
    ],
    [
      RATES.failure,
      () => {
        const id = target((x) => oracle.view(x).failing.length === 0);
        if (id === null) return null;
        failing.add(id);
        return { kind: 'failure', workspaceId: id, transitions: r.pick<Transition[]>([['start'], ['stop'], ['start', 'stop']]) };
      },
    ],
  ];
  for (const [rate, draw] of draws) {
    for (let n = r.poisson(rate * scale); n > 0; n--) {
      const e = draw();
      if (e !== null) edits.push(e);
    }
  }
  // A failing provisioner is mended after about four hours.
  for (const id of [...failing].sort()) {
    if (!touched.has(id) && r.chance(1 / 240)) {
      failing.delete(id);
      touched.add(id);
      edits.push({ kind: 'failure', workspaceId: id, transitions: null });
    }
  }

  // Agents report every five minutes, each by its workspace's habit (also for stopped workspaces: a person's IDE).
  const activity: string[] = [];
  if (index % 5 === 0) {
    for (const id of live) {
      const v = oracle.view(id);
      const p = population.habit.get(id) ?? 0;
      if (r.chance(v.status === 'running' ? p : p / 20)) activity.push(id);
    }
  }
  return { admin, edits, activity };
}
