// Templates: every lifecycle option of each, and, for template admins, a form
// that changes them, with the API's dry-run of the change before it is saved.
// The options are listed once, here; the API checks them.
import { DAY_LABELS, durationText } from '../format.js';
import { Csrf, FieldError, Layout, Time, type Viewer } from '../layout.js';
import type { DryRunJson, FormState, TemplateJson } from '../types.js';

export interface TemplateOption {
  /** The API's name for it. */
  key: string;
  label: string;
  kind: 'duration' | 'boolean' | 'days' | 'count' | 'choice';
  help: string;
  /** The values of a choice. */
  choices?: string[];
}

export const TEMPLATE_OPTIONS: TemplateOption[] = [
  {
    key: 'defaultTtlMs',
    label: 'Default TTL',
    kind: 'duration',
    help: 'How long a start runs, for workspaces with no TTL of their own (0: no autostop).',
  },
  { key: 'activityBumpMs', label: 'Activity bump', kind: 'duration', help: 'Activity moves a near deadline this far from now (0: off).' },
  { key: 'allowUserAutostart', label: 'Users may set an autostart schedule', kind: 'boolean', help: '' },
  { key: 'allowUserAutostop', label: 'Users may set a TTL and extend', kind: 'boolean', help: '' },
  { key: 'autostartAllowedDays', label: 'Autostart allowed on', kind: 'days', help: 'In the schedule’s own zone.' },
  { key: 'failureTtlMs', label: 'Failure TTL', kind: 'duration', help: 'A failed start is stopped after this long (0: never).' },
  { key: 'timeTilDormantMs', label: 'Dormant after unused for', kind: 'duration', help: '0: never.' },
  { key: 'timeTilDormantAutodeleteMs', label: 'Deleted after dormant for', kind: 'duration', help: '0: never.' },
  {
    key: 'autostopRequirementDays',
    label: 'Autostop requirement days',
    kind: 'days',
    help: 'Running workspaces stop in their owner’s quiet hours on these days.',
  },
  { key: 'autostopRequirementWeeks', label: 'Autostop requirement every N weeks', kind: 'count', help: '1 to 16.' },
  { key: 'autostopNotifyBeforeMs', label: 'Stop reminder before the deadline', kind: 'duration', help: '0: no reminder.' },
  { key: 'requireActiveVersion', label: 'Autostarts build the active version', kind: 'boolean', help: '' },
  {
    key: 'catchup',
    label: 'Catch-up after downtime',
    kind: 'choice',
    choices: ['all', 'latest', 'none'],
    help: 'all: every autostart that fell due; latest: those within the window; none: none.',
  },
  { key: 'catchupWindowMs', label: 'Catch-up window', kind: 'duration', help: 'For catch-up latest.' },
  { key: 'autodeleteNotifyBeforeMs', label: 'Deletion warning before autodelete', kind: 'duration', help: '0: no warning.' },
];

const WEEK = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function shown(o: TemplateOption, value: unknown): string {
  if (o.kind === 'duration') return durationText(value as number);
  if (o.kind === 'boolean') return value ? 'yes' : 'no';
  if (o.kind === 'days') return (value as string[]).length === 0 ? 'none' : (value as string[]).map((d) => DAY_LABELS[d] ?? d).join(', ');
  return String(value);
}

function OptionField(props: { o: TemplateOption; t: TemplateJson; state: FormState | undefined }) {
  const { o, t, state } = props;
  const id = `${o.key}-${t.id}`;
  const value = (t as unknown as Record<string, unknown>)[o.key];
  const typed = state?.values[o.key];
  const error = state?.error?.field === o.key ? state.error.message : undefined;
  const describedBy = [o.help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const help = o.help ? (
    <p class="hint" id={`${id}-help`}>
      {o.help}
    </p>
  ) : null;
  if (o.kind === 'boolean') {
    const checked = state ? typed === 'on' : Boolean(value);
    return (
      <div>
        <label class="inline" for={id}>
          <input type="checkbox" id={id} name={o.key} checked={checked} aria-describedby={describedBy} /> {o.label}
        </label>
        {help}
        <FieldError id={`${id}-error`} message={error} />
      </div>
    );
  }
  if (o.kind === 'choice') {
    return (
      <div>
        <label for={id}>{o.label}</label>
        <select id={id} name={o.key} aria-describedby={describedBy}>
          {(o.choices ?? []).map((v) => (
            <option value={v} selected={(typed ?? value) === v}>
              {v}
            </option>
          ))}
        </select>
        {help}
        <FieldError id={`${id}-error`} message={error} />
      </div>
    );
  }
  if (o.kind === 'days') {
    const chosen = state ? (typed ?? '').split(',') : (value as string[]);
    return (
      <fieldset aria-describedby={describedBy}>
        <legend>{o.label}</legend>
        {WEEK.map((d) => (
          <label class="inline" for={`${id}-${d}`}>
            <input type="checkbox" id={`${id}-${d}`} name={o.key} value={d} checked={chosen.includes(d)} /> {DAY_LABELS[d]}
          </label>
        ))}
        {help}
        <FieldError id={`${id}-error`} message={error} />
      </fieldset>
    );
  }
  return (
    <div>
      <label for={id}>{o.label}</label>
      <input
        type="text"
        id={id}
        name={o.key}
        value={typed ?? shown(o, value)}
        size={10}
        aria-describedby={describedBy}
        aria-invalid={error ? 'true' : undefined}
      />
      {help}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

/** What saving would change, workspace by workspace (the API's dry-run), before anything is saved. */
function DryRun(props: { r: DryRunJson }) {
  const { r } = props;
  return (
    <div data-testid="dry-run" aria-live="polite">
      <h3>If saved — not saved yet</h3>
      <p>
        Over the next {r.days} days, {r.changed} of {r.workspaces} workspaces would change. {r.assumption}
      </p>
      {r.changes.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Workspace</th>
              <th scope="col">Change</th>
              <th scope="col">Now</th>
              <th scope="col">If saved</th>
              <th scope="col">Rule</th>
            </tr>
          </thead>
          <tbody>
            {r.changes.flatMap((w) =>
              w.changes.map((ch) => (
                <tr>
                  <td>{w.workspace}</td>
                  <td>{ch.kind}</td>
                  <td>
                    <Time at={ch.before} none="not within these days" />
                  </td>
                  <td>
                    <Time at={ch.after} none="not within these days" />
                  </td>
                  <td>{ch.rule}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function TemplatesPage(props: { viewer: Viewer; templates: TemplateJson[]; state?: FormState; notice?: string }) {
  const admin = props.viewer.role === 'template-admin' || props.viewer.role === 'owner';
  return (
    <Layout title="Templates" current="/templates" viewer={props.viewer}>
      <h1>Templates</h1>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      {!admin && <p class="hint">Only template admins change templates; you can read their lifecycle policy here.</p>}
      {props.templates.length === 0 && <p>No templates yet.</p>}
      {props.templates.map((t) => {
        const state = props.state?.form === `template:${t.id}` ? props.state : undefined;
        const options = TEMPLATE_OPTIONS.filter((o) => o.key in t);
        const general = state?.error && !options.some((o) => o.key === state.error?.field) ? state.error.message : undefined;
        return (
          <section class="card" aria-labelledby={`template-${t.id}`}>
            <h2 id={`template-${t.id}`}>
              {t.name} <span class="status">active version {t.activeVersion}</span>
            </h2>
            {admin ? (
              <form method="post" action={`/templates/${encodeURIComponent(t.id)}`}>
                <Csrf viewer={props.viewer} />
                {options.map((o) => (
                  <OptionField o={o} t={t} state={state} />
                ))}
                <FieldError id={`template-error-${t.id}`} message={general} />
                <p>
                  <button type="submit" name="intent" value="dry-run">
                    Preview changes
                  </button>{' '}
                  <button type="submit" name="intent" value="save" class="primary">
                    Save {t.name}
                  </button>
                </p>
                {state?.dryRun && <DryRun r={state.dryRun} />}
              </form>
            ) : (
              <dl class="facts">
                {options.map((o) => (
                  <>
                    <dt>{o.label}</dt>
                    <dd>{shown(o, (t as unknown as Record<string, unknown>)[o.key])}</dd>
                  </>
                ))}
              </dl>
            )}
          </section>
        );
      })}
    </Layout>
  );
}
