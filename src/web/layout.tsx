// The frame of every page: landmarks (banner, navigation, main), a skip link,
// the signed-in person and the sign-out form, the stylesheet and the script.

import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { CLIENT_SCRIPT } from './client-script.js';
import { relative, utcText } from './format.js';

export interface Viewer {
  username: string;
  role: string;
  csrf: string;
}

const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b57d0; --bad: #b3261e; --good: #146c2e; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
a { color: var(--accent); }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: .6rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--bg2); }
header .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; }
nav ul { display: flex; gap: 1.2rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .6rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 0 0 1.2rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.why { background: var(--bg2); border-left: 4px solid var(--accent); padding: .5rem .8rem; margin: .6rem 0; }
.actions { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; margin-top: .8rem; }
.actions form { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
fieldset { border: 0; padding: 0; margin: 0; }
legend { font-weight: 600; padding: 0; margin-bottom: .3rem; }
label { display: block; font-weight: 600; margin: .2rem 0; }
label.inline { display: inline-flex; gap: .35rem; align-items: center; font-weight: 400; margin-right: .6rem; }
input[type=text], input[type=password], select { font: inherit; padding: .3rem .45rem; border: 1px solid #8c959f; border-radius: 4px; min-width: 12rem; }
button { font: inherit; padding: .3rem .8rem; border-radius: 4px; border: 1px solid #8c959f; background: #fff; color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
:focus-visible { outline: 3px solid #e8710a; outline-offset: 2px; }
.error { color: var(--bad); font-weight: 600; margin: .3rem 0; }
.notice { color: var(--good); font-weight: 600; border: 1px solid var(--good); border-radius: 6px; padding: .5rem .8rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .2rem 0; }
.status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; background: var(--bg2); border: 1px solid var(--line); font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
pre { background: var(--bg2); padding: .6rem; overflow-x: auto; max-height: 24rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem; }
svg text { font: 12px system-ui, sans-serif; }
`;

export function Layout(props: { title: string; current?: string; viewer?: Viewer; children?: Child }) {
  const nav = [
    ['/', 'My workspaces'],
    ['/templates', 'Templates'],
    ['/audit', 'Audit log'],
  ] as const;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · autobuild`}</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header>
          <a class="brand" href="/">
            autobuild
          </a>
          {props.viewer && (
            <nav aria-label="Main">
              <ul>
                {nav.map(([href, label]) => (
                  <li>
                    <a href={href} aria-current={props.current === href ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {props.viewer && (
            <form method="post" action="/signout">
              <span class="hint">
                Signed in as <strong>{props.viewer.username}</strong> ({props.viewer.role}){' '}
              </span>
              <input type="hidden" name="csrf" value={props.viewer.csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main">{props.children}</main>
        <script>{raw(CLIENT_SCRIPT)}</script>
      </body>
    </html>
  );
}

/** A time in UTC with the zone named; the script shows it in the viewer's zone. */
export function Time(props: { at: string | null; none?: string }) {
  if (props.at === null) return <span>{props.none ?? '—'}</span>;
  return (
    <time datetime={props.at} data-local="">
      {utcText(props.at)}
    </time>
  );
}

/** "in 2 h 5 min", counted from `now` (the API's clock) and kept current by the script. */
export function Countdown(props: { at: string | null; now: string }) {
  if (props.at === null) return null;
  return (
    <span data-countdown={props.at} data-now={props.now}>
      {relative(props.at, props.now)}
    </span>
  );
}

/** The API's message beside the field it concerns. */
export function FieldError(props: { id: string; message: string | undefined }) {
  if (props.message === undefined) return null;
  return (
    <p class="error" id={props.id} role="alert">
      {props.message}
    </p>
  );
}

/** The hidden form token every form carries. */
export const Csrf = (props: { viewer: Viewer }) => <input type="hidden" name="csrf" value={props.viewer.csrf} />;
