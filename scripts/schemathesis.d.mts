// Types of scripts/schemathesis.mjs, for test/system/schemathesis.test.ts.
export declare const SCHEMATHESIS_VERSION: string;
/** ~/.cache/autobuild/schemathesis-<version>/ */
export declare const SCHEMATHESIS_VENV: string;
/** The version of Schemathesis in the venv, or null when it is not (all) there. */
export declare function installedVersion(): string | null;
/** Installs Schemathesis when needed and returns the path of its `st` binary; throws with a one-line reason. */
export declare function schemathesisBinary(opts?: { log?: (line: string) => void }): string;
