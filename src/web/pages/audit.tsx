// The audit log, newest first, filtered by workspace and actor (the API decides what the viewer may read).
import { FieldError, Layout, Time, type Viewer } from '../layout.js';
import type { AuditEntryJson } from '../types.js';

const compact = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v));

export function AuditPage(props: {
  viewer: Viewer;
  filter: { workspace: string; actor: string };
  entries: AuditEntryJson[];
  error?: { message: string; field?: string };
}) {
  const { error } = props;
  const beside = (field: string) => (error && error.field === field ? error.message : undefined);
  const general = error && error.field !== 'workspace' && error.field !== 'actor' ? error.message : undefined;
  return (
    <Layout title="Audit log" current="/audit" viewer={props.viewer}>
      <h1>Audit log</h1>
      <form method="get" action="/audit" class="card" aria-label="Filter the audit log">
        <div class="actions">
          <div>
            <label for="audit-workspace">Workspace</label>
            <input type="text" id="audit-workspace" name="workspace" value={props.filter.workspace} placeholder="alice/dev" />
            <FieldError id="audit-workspace-error" message={beside('workspace')} />
          </div>
          <div>
            <label for="audit-actor">Actor</label>
            <input type="text" id="audit-actor" name="actor" value={props.filter.actor} placeholder="alice" />
            <FieldError id="audit-actor-error" message={beside('actor')} />
          </div>
        </div>
        <p>
          <button type="submit">Filter</button>
        </p>
        <FieldError id="audit-error" message={general} />
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Subject</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr>
              <td>
                <Time at={e.at} />
              </td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.subject ?? '—'}</td>
              <td>
                <code>{compact(e.before)}</code>
              </td>
              <td>
                <code>{compact(e.after)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.entries.length === 0 && <p>No entries.</p>}
    </Layout>
  );
}
