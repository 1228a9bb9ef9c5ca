// Minimal SQL fixtures for data-layer tests (higher layers use the ops module).
import type { Pool } from '../../src/db/pool.js';

let counter = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${++counter}`;

export async function insertUser(pool: Pool, fields: { status?: string } = {}): Promise<string> {
  const { rows } = await pool.query(`INSERT INTO users (username, status) VALUES ($1, $2) RETURNING id`, [
    unique('u'),
    fields.status ?? 'active',
  ]);
  return rows[0].id;
}

export async function insertTemplate(pool: Pool, fields: Record<string, unknown> = {}): Promise<{ id: string; versionId: string }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const cols = Object.keys(fields);
    const t = await client.query(
      `INSERT INTO templates (name${cols.map((c) => `, ${c}`).join('')})
       VALUES ($1${cols.map((_, i) => `, $${i + 2}`).join('')}) RETURNING id`,
      [unique('t'), ...Object.values(fields)],
    );
    const id = t.rows[0].id;
    const v = await client.query(`INSERT INTO template_versions (template_id, name) VALUES ($1, 'v1') RETURNING id`, [id]);
    await client.query('UPDATE templates SET active_version_id = $1 WHERE id = $2', [v.rows[0].id, id]);
    await client.query('COMMIT');
    return { id, versionId: v.rows[0].id };
  } finally {
    client.release();
  }
}

export async function insertWorkspace(
  pool: Pool,
  ownerId: string,
  templateId: string,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const cols = Object.keys(fields);
  const { rows } = await pool.query(
    `INSERT INTO workspaces (owner_id, template_id, name${cols.map((c) => `, ${c}`).join('')})
     VALUES ($1, $2, $3${cols.map((_, i) => `, $${i + 4}`).join('')}) RETURNING id`,
    [ownerId, templateId, unique('w'), ...Object.values(fields)],
  );
  return rows[0].id;
}
