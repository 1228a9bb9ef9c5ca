import { Layout, type Viewer } from '../layout.js';
import type { ExplanationJson, FormState, WorkspaceJson } from '../types.js';
import { WorkspaceCard } from './workspace-card.js';

export interface LoadedWorkspace {
  w: WorkspaceJson;
  explain: ExplanationJson | null;
  explainError?: string;
}

export function WorkspacesPage(props: { viewer: Viewer; items: LoadedWorkspace[]; state?: FormState; notice?: string; error?: string }) {
  return (
    <Layout title="My workspaces" current="/" viewer={props.viewer}>
      <h1>My workspaces</h1>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <p class="hint">
        Times are shown in your zone, <span data-zone-name="">UTC</span>.
      </p>
      {props.items.length === 0 && <p>You have no workspaces yet.</p>}
      {props.items.map((item) => (
        <WorkspaceCard
          w={item.w}
          explain={item.explain}
          explainError={item.explainError}
          viewer={props.viewer}
          state={props.state}
          back="/"
          link
        />
      ))}
    </Layout>
  );
}
