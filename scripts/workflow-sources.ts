// Which workflow code a set of recorded histories stands for: a SHA-256 over
// every file under src/workflows/ (path and content). `npm run
// histories:record` writes its histories into test/histories/<first 12 hex
// digits>/ beside a manifest with the full hash, and
// test/orchestration/replay.test.ts fails while the current code has no
// recording: a change to workflow code ships with the histories of its runs,
// and the histories of earlier code stay to be replayed against it (README,
// "Release procedure"; docs/orchestration.md#changing-workflow-code).
//
// Only src/workflows/ is hashed: the interceptor modules bundled beside it
// (tracing) and the modules it imports from elsewhere are left out, and a
// change of theirs that running workflows would notice is still caught by the
// replay of every committed history.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/runtime/config.js';

export const HISTORIES_DIR = join(projectRoot, 'test', 'histories');
/** The file beside each recording's histories that names the code they were recorded from. */
export const MANIFEST = 'workflow-sources.json';
const SOURCES = 'src/workflows';

export interface WorkflowSources {
  /** SHA-256 (hex) over each file's path and content, in path order. */
  sha256: string;
  /** The hashed files, relative to the project root. */
  files: string[];
}

export interface RecordingManifest {
  workflowSources: string;
  files: string[];
  recordedAt: string;
  /** The git commit the recording was made on (`+dirty` with uncommitted changes). */
  commit: string;
}

/** The hash of the workflow code as it is in the working tree now. */
export function currentWorkflowSources(): WorkflowSources {
  const root = join(projectRoot, SOURCES);
  const files = (readdirSync(root, { recursive: true }) as string[])
    .map((f) => `${SOURCES}/${f.split('\\').join('/')}`)
    .filter((f) => statSync(join(projectRoot, f)).isFile())
    .sort();
  return hashOf(files, (f) => readFileSync(join(projectRoot, f)));
}

export function hashOf(files: string[], read: (file: string) => Buffer | string): WorkflowSources {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f}\0`).update(read(f)).update('\0');
  return { sha256: hash.digest('hex'), files };
}

/** The folder of test/histories/ that holds the recording of this code. */
export function recordingDir(sources: WorkflowSources): string {
  return join(HISTORIES_DIR, sources.sha256.slice(0, 12));
}

/** Every recording committed under test/histories/: its folder and manifest. */
export function recordings(): { dir: string; manifest: RecordingManifest }[] {
  return readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(HISTORIES_DIR, d.name))
    .sort()
    .map((dir) => {
      if (!existsSync(join(dir, MANIFEST))) throw new Error(`${dir} has no ${MANIFEST}: record histories with npm run histories:record`);
      return { dir, manifest: JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as RecordingManifest };
    });
}
