// One workspace as "My workspaces" and its own page show it: status, latest
// build and job, deadline with its limit, next autostart, the `explain`
// sentence as "why", and a form per action. The API decides what each action
// may do; a refusal comes back beside the field it concerns.
import type { Child } from 'hono/jsx';
import { durationText } from '../format.js';
import { Countdown, Csrf, FieldError, Time, type Viewer } from '../layout.js';
import type { ExplanationJson, FormState, WorkspaceJson } from '../types.js';

export interface CardProps {
  w: WorkspaceJson;
  explain: ExplanationJson | null;
  /** Why `explain` is missing (a deleted workspace). */
  explainError?: string;
  viewer: Viewer;
  state?: FormState;
  /** The page the forms come back to: `/` or `/workspaces/<id>`. */
  back: string;
  /** The name links to the workspace's own page (in the list). */
  link: boolean;
}

/** The form of `form` for this workspace, when the last request was about it. */
const stateOf = (p: CardProps, form: string) => (p.state?.form === `${form}:${p.w.id}` ? p.state : undefined);

function ActionForm(props: { p: CardProps; form: string; action: string; legend: string; children?: Child }) {
  const { p } = props;
  const state = stateOf(p, props.form);
  // Each form sets one thing, so the API's refusal, whatever field it names, is shown with the form's field.
  const message = state?.error?.message;
  return (
    <form method="post" action={`/workspaces/${encodeURIComponent(p.w.id)}/${props.action}`}>
      <Csrf viewer={p.viewer} />
      <input type="hidden" name="back" value={p.back} />
      <fieldset>
        <legend>{props.legend}</legend>
        {props.children}
        <FieldError id={`${props.form}-error-${p.w.id}`} message={message} />
      </fieldset>
    </form>
  );
}

export function WorkspaceCard(p: CardProps) {
  const { w, explain: e } = p;
  const name = `${w.owner}/${w.name}`;
  const now = e?.at ?? null;
  const id = (s: string) => `${s}-${w.id}`;
  const schedule = stateOf(p, 'schedule');
  const preview = schedule?.schedulePreview;
  const latest = w.latestBuild;
  return (
    <section class="card" aria-labelledby={id('title')} id={`ws-${w.id}`}>
      <h2 id={id('title')}>
        {p.link ? <a href={`/workspaces/${encodeURIComponent(w.id)}`}>{name}</a> : name} <span class="status">{w.status}</span>
      </h2>
      <dl class="facts">
        <dt>Template</dt>
        <dd>{w.template}</dd>
        <dt>Latest build</dt>
        <dd>
          #{latest.buildNumber} {latest.transition} ({latest.reason}), job {latest.job.status}
          {latest.job.error !== null && ` — ${latest.job.error}`}
        </dd>
        <dt>Deadline</dt>
        <dd data-testid="deadline">
          {w.deadline === null ? (
            'none (not running, or no autostop)'
          ) : (
            <>
              <Time at={w.deadline} /> {now !== null && <Countdown at={w.deadline} now={now} />}
            </>
          )}
        </dd>
        <dt>Limit</dt>
        <dd>
          {w.maxDeadline === null ? (
            'no limit: the deadline can move as far as you like'
          ) : (
            <>
              the deadline can move up to <Time at={w.maxDeadline} />
            </>
          )}
        </dd>
        <dt>Next autostart</dt>
        <dd data-testid="next-autostart">
          {e?.nextAutostart ? (
            <>
              <Time at={e.nextAutostart.at} /> {now !== null && <Countdown at={e.nextAutostart.at} now={now} />}
            </>
          ) : (
            'none'
          )}
        </dd>
        {w.autostartPause && (
          <>
            <dt>Autostart paused</dt>
            <dd>
              {w.autostartPause.until === null ? (
                'indefinitely'
              ) : (
                <>
                  until <Time at={w.autostartPause.until} />
                </>
              )}
              {w.autostartPause.by !== null && ` by ${w.autostartPause.by}`}
              {w.autostartPause.note ? `: ${w.autostartPause.note}` : ''}
            </dd>
          </>
        )}
        {w.autostartSkipAt !== null && (
          <>
            <dt>Skipped autostart</dt>
            <dd>
              <Time at={w.autostartSkipAt} />
            </dd>
          </>
        )}
        <dt>Schedule</dt>
        <dd>{w.autostartSchedule === null ? 'none' : <code>{w.autostartSchedule}</code>}</dd>
        <dt>TTL</dt>
        <dd>{durationText(w.ttlMs)}</dd>
        {w.dormantAt !== null && (
          <>
            <dt>Dormant since</dt>
            <dd>
              <Time at={w.dormantAt} />
            </dd>
          </>
        )}
        {w.deletingAt !== null && (
          <>
            <dt>Deleted on</dt>
            <dd>
              <Time at={w.deletingAt} />
            </dd>
          </>
        )}
      </dl>
      <p class="why" data-testid="why">
        <strong>Why: </strong>
        {e === null ? (p.explainError ?? 'unknown') : e.decision.explanation}
      </p>

      <div class="actions">
        <ActionForm p={p} form="build" action="build" legend="Start or stop">
          <button type="submit" name="transition" value="start">
            Start
          </button>{' '}
          <button type="submit" name="transition" value="stop">
            Stop
          </button>
        </ActionForm>

        <ActionForm p={p} form="extend" action="extend" legend="Keep it running longer">
          <label for={id('extend-hours')}>New deadline</label>
          <select
            id={id('extend-hours')}
            name="hours"
            aria-describedby={id('extend-limit')}
            aria-invalid={stateOf(p, 'extend')?.error ? 'true' : undefined}
          >
            {['1', '2', '4', '8', '12'].map((h) => (
              <option value={h} selected={stateOf(p, 'extend')?.values.hours === h}>
                {h} h from now
              </option>
            ))}
            {w.maxDeadline !== null && (
              <option value="max" selected={stateOf(p, 'extend')?.values.hours === 'max'}>
                up to the limit
              </option>
            )}
          </select>{' '}
          <button type="submit">Extend</button>
          <p class="hint" id={id('extend-limit')}>
            {w.maxDeadline === null ? (
              'No limit.'
            ) : (
              <>
                Limit: <Time at={w.maxDeadline} />
              </>
            )}
          </p>
        </ActionForm>

        <ActionForm p={p} form="reminder" action="reminder" legend="Before tonight's stop">
          <button type="submit" name="do" value="keep-running">
            Keep it running 1 h longer
          </button>{' '}
          <button type="submit" name="do" value="skip-stop">
            Skip the next stop
          </button>
          <p class="hint">Both stay within the limit above.</p>
        </ActionForm>

        <ActionForm p={p} form="schedule" action="schedule" legend="Autostart schedule">
          <label for={id('schedule')}>Schedule</label>
          <input
            type="text"
            id={id('schedule')}
            name="schedule"
            value={schedule?.values.schedule ?? w.autostartSchedule ?? ''}
            placeholder="CRON_TZ=Europe/Berlin 30 8 * * mon-fri"
            aria-describedby={id('schedule-hint')}
            aria-invalid={schedule?.error ? 'true' : undefined}
            size={36}
          />
          <p class="hint" id={id('schedule-hint')}>
            [CRON_TZ=zone] minute hour * * days. Preview shows it read back and its next five starts before anything is saved.
          </p>
          <button type="submit" name="intent" value="preview">
            Preview
          </button>{' '}
          <button type="submit" name="intent" value="save" class="primary">
            Save schedule
          </button>{' '}
          <button type="submit" name="intent" value="clear">
            Clear schedule
          </button>
          {preview && (
            <div data-testid="schedule-preview" aria-live="polite">
              <p>
                <strong>{preview.summary}</strong> — not saved yet. Next five starts:
              </p>
              <ol>
                {preview.occurrences.map((o) => (
                  <li>
                    <Time at={o.at} />
                    {!o.allowed && ' — not on a day the template allows: skipped'}
                  </li>
                ))}
              </ol>
            </div>
          )}
        </ActionForm>

        <ActionForm p={p} form="pause" action="pause" legend="Pause or skip autostart">
          <label for={id('pause-until')}>Paused until</label>
          <input
            type="text"
            id={id('pause-until')}
            name="until"
            value={stateOf(p, 'pause')?.values.until ?? ''}
            placeholder="2027-01-04"
            aria-describedby={id('pause-hint')}
            size={12}
          />
          <label for={id('pause-note')}>Note</label>
          <input type="text" id={id('pause-note')} name="note" value={stateOf(p, 'pause')?.values.note ?? ''} size={20} />
          <p class="hint" id={id('pause-hint')}>
            A date (midnight in the schedule's zone) or empty for no end. Autostop is never paused.
          </p>
          <button type="submit" name="do" value="pause">
            Pause
          </button>{' '}
          <button type="submit" name="do" value="resume">
            Resume
          </button>{' '}
          <button type="submit" name="do" value="skip-next">
            Skip the next autostart
          </button>{' '}
          <button type="submit" name="do" value="unskip">
            Undo the skip
          </button>
        </ActionForm>

        <ActionForm p={p} form="ttl" action="ttl" legend="TTL (how long a start runs)">
          <label for={id('ttl')}>TTL</label>
          <input
            type="text"
            id={id('ttl')}
            name="ttl"
            value={stateOf(p, 'ttl')?.values.ttl ?? (w.ttlMs === null ? '' : durationText(w.ttlMs))}
            placeholder="8h"
            aria-describedby={id('ttl-hint')}
            aria-invalid={stateOf(p, 'ttl')?.error ? 'true' : undefined}
            size={8}
          />
          <p class="hint" id={id('ttl-hint')}>
            A duration such as 8h or 1h30m; applies from the next start.
          </p>
          <button type="submit" name="intent" value="save">
            Save TTL
          </button>{' '}
          <button type="submit" name="intent" value="clear">
            Clear TTL
          </button>
        </ActionForm>
      </div>
    </section>
  );
}
