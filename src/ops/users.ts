// Users: create, set status, set quiet hours (docs/rules.md#entities, docs/rules.md#daily-schedule).
import type { PoolClient } from '../db/pool.js';
import { findUser, insertUser, listUsers, type UserRow, type UserStatus, updateUser } from '../db/sql/users.js';
import { recordAudit } from './audit.js';
import { type OpsDeps, transaction } from './context.js';
import { conflict, notFound } from './errors.js';
import { type Page, type PageRequest, pageQuery, toPage } from './pages.js';
import * as v from './validate.js';

export type User = UserRow;
export const USER_STATUSES = ['active', 'suspended', 'dormant'] as const;

export interface CreateUserInput {
  username: string;
  status?: UserStatus;
  /** A daily schedule (`CRON_TZ=Europe/Berlin 0 23 * * *`); null/absent = the deployment default. */
  quietHoursSchedule?: string | null;
}

export class UserOps {
  constructor(private readonly deps: OpsDeps) {}

  async create(input: CreateUserInput): Promise<User> {
    const username = v.name('username', input.username);
    const status = input.status === undefined ? 'active' : v.oneOf('status', input.status, USER_STATUSES);
    const quietHoursSchedule = input.quietHoursSchedule == null ? null : v.dailySchedule('quiet hours schedule', input.quietHoursSchedule);
    return transaction(this.deps, async (c) => {
      const user = await insertUser(c, { username, status, quietHoursSchedule });
      if (user === null) throw conflict(`user ${username} already exists`);
      await recordAudit(c, this.deps, {
        action: 'user.create',
        userId: user.id,
        before: null,
        after: { username, status, quietHoursSchedule },
      });
      return user;
    });
  }

  /** By username or id. */
  async get(ref: string): Promise<User> {
    const user = await findUser(this.deps.pool, ref);
    if (user === null) throw notFound(`no user ${ref}`);
    return user;
  }

  /** A page of users, by username. */
  async list(page: PageRequest = {}): Promise<Page<User>> {
    const { limit, after } = pageQuery(page, 1);
    const rows = await listUsers(this.deps.pool, { after: after?.[0] ?? null, limit: limit + 1 });
    return toPage(rows, limit, (u) => [u.username]);
  }

  /** Read, locked, changed and audited in one transaction. */
  async setStatus(ref: string, status: UserStatus): Promise<User> {
    const valid = v.oneOf('status', status, USER_STATUSES);
    return transaction(this.deps, async (c) => {
      const user = await lockUser(c, ref);
      const updated = await updateUser(c, user.id, { status: valid });
      await recordAudit(c, this.deps, {
        action: 'user.status',
        userId: user.id,
        before: { status: user.status },
        after: { status: valid },
      });
      return updated;
    });
  }

  /** Applies to the max deadline of later builds (docs/rules.md#on-build-completion step 3). */
  async setQuietHours(ref: string, schedule: string | null): Promise<User> {
    const valid = schedule === null ? null : v.dailySchedule('quiet hours schedule', schedule);
    return transaction(this.deps, async (c) => {
      const user = await lockUser(c, ref);
      const updated = await updateUser(c, user.id, { quietHoursSchedule: valid });
      await recordAudit(c, this.deps, {
        action: 'user.quiet-hours',
        userId: user.id,
        before: { quietHoursSchedule: user.quietHoursSchedule },
        after: { quietHoursSchedule: valid },
      });
      return updated;
    });
  }
}

async function lockUser(c: PoolClient, ref: string): Promise<User> {
  const user = await findUser(c, ref, { lock: 'update' });
  if (user === null) throw notFound(`no user ${ref}`);
  return user;
}
