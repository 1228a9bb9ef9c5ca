/** Which template version a new build uses (docs/rules.md#applying-a-decision-the-build-transaction). */
import type { Reason } from './decide.js';
import type { AutomaticUpdates } from './snapshot.js';

export interface VersionSource {
  /** The latest build's version. */
  latestVersionId: string;
  activeVersionId: string;
  requireActiveVersion: boolean;
  automaticUpdates: AutomaticUpdates;
}

/** The latest build's version, except an autostart that must (or may) update: the template's active version. */
export function templateVersionForBuild(v: VersionSource, reason: Reason | 'initiator'): string {
  const update = reason === 'autostart' && (v.requireActiveVersion || v.automaticUpdates === 'always');
  return update ? v.activeVersionId : v.latestVersionId;
}
