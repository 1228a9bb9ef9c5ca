// One workspace: its card, the next 7 days drawn as a chart, its builds with
// their jobs and one build's log, and its runs in the Temporal UI.
import { Layout, Time, type Viewer } from '../layout.js';
import type { BuildJson, FormState } from '../types.js';
import { WorkspaceCard } from './workspace-card.js';
import type { LoadedWorkspace } from './workspaces.js';

export interface TimelineEvent {
  at: string;
  kind: 'start' | 'stop' | 'reminder' | 'dormant' | 'delete';
  /** The rule that gives it, in the API's words. */
  rule: string;
}

const KIND_LABEL: Record<TimelineEvent['kind'], string> = {
  start: 'autostart',
  stop: 'autostop',
  reminder: 'stop reminder',
  dormant: 'becomes dormant',
  delete: 'deleted',
};
const KIND_COLOUR: Record<TimelineEvent['kind'], string> = {
  start: '#146c2e',
  stop: '#b3261e',
  reminder: '#8a5a00',
  dormant: '#57606a',
  delete: '#000000',
};

const DAY_MS = 86_400_000;
const WIDTH = 760;
const LEFT = 10;
const RIGHT = 10;

/** The next 7 days from `now`: running spans as bars, every event as a marker; a table says the same in words. */
function TimelineChart(props: { now: string; days: number; events: TimelineEvent[]; runningUntil: string | null }) {
  const from = Date.parse(props.now);
  const to = from + props.days * DAY_MS;
  const x = (iso: string) => LEFT + ((Date.parse(iso) - from) / (to - from)) * (WIDTH - LEFT - RIGHT);
  const events = props.events.filter((e) => Date.parse(e.at) >= from && Date.parse(e.at) <= to).sort((a, b) => a.at.localeCompare(b.at));
  // Running spans: from now while running, and from each start to the stop after it.
  const spans: [number, number][] = [];
  let open: number | null = props.runningUntil !== null ? from : null;
  for (const e of events) {
    if (e.kind === 'start' && open === null) open = Date.parse(e.at);
    if (e.kind === 'stop' && open !== null) {
      spans.push([open, Date.parse(e.at)]);
      open = null;
    }
  }
  if (open !== null && props.runningUntil === null) spans.push([open, to]);
  const midnights: number[] = [];
  for (let d = Math.ceil(from / DAY_MS) * DAY_MS; d <= to; d += DAY_MS) midnights.push(d);
  return (
    <figure>
      <svg width="100%" viewBox={`0 0 ${WIDTH} 90`} role="img" aria-labelledby="timeline-title-svg">
        <title id="timeline-title-svg">{`The next ${props.days} days: ${events.length} events, listed in the table below`}</title>
        <rect x={LEFT} y={30} width={WIDTH - LEFT - RIGHT} height={20} fill="#f6f8fa" stroke="#d0d7de" />
        {spans.map(([a, b]) => (
          <rect
            x={x(new Date(a).toISOString())}
            y={30}
            width={Math.max(2, x(new Date(b).toISOString()) - x(new Date(a).toISOString()))}
            height={20}
            fill="#9ad0a8"
          />
        ))}
        {midnights.map((d) => {
          const iso = new Date(d).toISOString();
          return (
            <g>
              <line x1={x(iso)} x2={x(iso)} y1={25} y2={55} stroke="#8c959f" />
              <text x={x(iso) + 3} y={20}>
                {['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(d).getUTCDay()]} {new Date(d).getUTCDate()}
              </text>
            </g>
          );
        })}
        {events.map((e) => (
          <g>
            <title>{`${KIND_LABEL[e.kind]} ${e.at}`}</title>
            <circle cx={x(e.at)} cy={40} r={6} fill={KIND_COLOUR[e.kind]} />
          </g>
        ))}
        {(Object.keys(KIND_LABEL) as TimelineEvent['kind'][]).map((k, i) => (
          <g>
            <circle cx={LEFT + 6 + i * 140} cy={75} r={5} fill={KIND_COLOUR[k]} />
            <text x={LEFT + 16 + i * 140} y={79}>
              {KIND_LABEL[k]}
            </text>
          </g>
        ))}
      </svg>
      <figcaption id="timeline-caption">The next {props.days} days (day lines at midnight UTC; green: running). In words:</figcaption>
      {events.length === 0 ? (
        <p>Nothing is due in the next {props.days} days.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr>
                <td>
                  <Time at={e.at} />
                </td>
                <td>{KIND_LABEL[e.kind]}</td>
                <td>{e.rule}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}

export function WorkspacePage(props: {
  viewer: Viewer;
  item: LoadedWorkspace;
  builds: BuildJson[];
  log: { buildNumber: number; text: string } | null;
  /** The API's timeline of the next days, or why there is none (a deleted workspace). */
  timeline: { now: string; days: number; events: TimelineEvent[] } | { error: string };
  temporalUiLink: string | null;
  state?: FormState;
  notice?: string;
}) {
  const { w } = props.item;
  const base = `/workspaces/${encodeURIComponent(w.id)}`;
  return (
    <Layout title={`${w.owner}/${w.name}`} viewer={props.viewer}>
      <h1>
        Workspace {w.owner}/{w.name}
      </h1>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <WorkspaceCard
        w={w}
        explain={props.item.explain}
        explainError={props.item.explainError}
        viewer={props.viewer}
        state={props.state}
        back={base}
        link={false}
      />
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">The next 7 days</h2>
        {'error' in props.timeline ? (
          <p>No timeline: {props.timeline.error}</p>
        ) : (
          <TimelineChart {...props.timeline} runningUntil={w.status === 'running' ? w.deadline : null} />
        )}
        {props.temporalUiLink !== null && (
          <p>
            <a href={props.temporalUiLink}>Its runs in the Temporal UI</a> (filtered by WorkspaceId).
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="builds-title">
        <h2 id="builds-title">Builds</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Build</th>
              <th scope="col">Transition</th>
              <th scope="col">Reason</th>
              <th scope="col">Job</th>
              <th scope="col">Created</th>
              <th scope="col">Log</th>
            </tr>
          </thead>
          <tbody>
            {props.builds.map((b) => (
              <tr>
                <td>#{b.buildNumber}</td>
                <td>{b.transition}</td>
                <td>{b.reason}</td>
                <td>
                  {b.job.status}
                  {b.job.error !== null && ` — ${b.job.error}`}
                </td>
                <td>
                  <Time at={b.createdAt} />
                </td>
                <td>
                  <a href={`${base}?build=${b.buildNumber}#log`} aria-label={`Log of build ${b.buildNumber}`}>
                    log
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.log !== null && (
          <section aria-labelledby="log">
            <h3 id="log">Log of build #{props.log.buildNumber}</h3>
            <pre tabindex={0}>{props.log.text === '' ? '(empty)' : props.log.text}</pre>
          </section>
        )}
      </section>
    </Layout>
  );
}
