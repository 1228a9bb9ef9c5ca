// Types of scripts/faketime.mjs, for test/system/reliability/clock.test.ts.
/** ~/.cache/autobuild/: the package is unpacked into libfaketime-<version>/ there. */
export declare const LIBFAKETIME_CACHE: string;
/** The system's libfaketime.so.1, else one an earlier call unpacked into the cache; null when neither is there. */
export declare function findLibfaketime(): string | null;
/** The path of libfaketime.so.1, fetched (`apt-get download`, `dpkg -x`) into the cache when needed; throws with a one-line reason. */
export declare function libfaketimePath(opts?: { log?: (line: string) => void }): string;
