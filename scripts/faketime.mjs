#!/usr/bin/env node
// `npm run faketime:install`: libfaketime (Debian package `libfaketime`), the
// LD_PRELOAD library that test/system/reliability/clock.test.ts loads into a
// worker process to move its clock an hour behind or ahead of the database's.
// The system's copy (`apt-get install faketime`) is used when there is one;
// otherwise `apt-get download` fetches the package and `dpkg -x` unpacks it
// under ~/.cache/autobuild/libfaketime-<version>/ (one per user, shared by
// every checkout), with nothing installed system-wide.
// Plain JavaScript: it runs before anything is built. As a module it exports
// `libfaketimePath()`, which fetches when needed and returns the library's path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIBFAKETIME_CACHE = join(homedir(), '.cache', 'autobuild');
const LIBRARY = 'libfaketime.so.1';

/** The Debian multiarch folder of this machine's libraries (x86_64-linux-gnu, aarch64-linux-gnu). */
function multiarch() {
  const triplets = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
  const triplet = triplets[process.arch];
  if (!triplet) throw new Error(`libfaketime: no Debian package for ${process.platform}/${process.arch}`);
  return triplet;
}

/** Where the package puts the library, under `root` (`/` when installed). */
const libraryUnder = (root) => join(root, 'usr', 'lib', multiarch(), 'faketime', LIBRARY);

/** The system's library, else one unpacked into the cache by an earlier call; null when neither is there. */
export function findLibfaketime() {
  const system = libraryUnder('/');
  if (existsSync(system)) return system;
  if (!existsSync(LIBFAKETIME_CACHE)) return null;
  const cached = readdirSync(LIBFAKETIME_CACHE)
    .filter((d) => d.startsWith('libfaketime-'))
    .sort()
    .reverse()
    .map((d) => libraryUnder(join(LIBFAKETIME_CACHE, d)))
    .find((f) => existsSync(f));
  return cached ?? null;
}

function run(what, cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) {
    const last = `${r.stderr}\n${r.stdout}`.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
    throw new Error(`${what} failed: ${last.trim()}`);
  }
}

/**
 * The path of libfaketime.so.1: the system's, or the cached one, or, failing
 * both, the package fetched with `apt-get download` (after one `apt-get update`
 * when apt knows no such package yet, as on a fresh machine) and unpacked into
 * the cache. `log` gets one line per step. Throws with a one-line reason.
 */
export function libfaketimePath({ log = () => {} } = {}) {
  const found = findLibfaketime();
  if (found) {
    log(`libfaketime: ${found}`);
    return found;
  }
  if (process.platform !== 'linux') throw new Error('libfaketime: the clock tests need Linux (LD_PRELOAD of a Debian package)');
  mkdirSync(LIBFAKETIME_CACHE, { recursive: true });
  const work = mkdtempSync(join(LIBFAKETIME_CACHE, '.libfaketime-'));
  try {
    const download = () => run('apt-get download libfaketime', 'apt-get', ['download', '-q', 'libfaketime'], work);
    log('libfaketime: apt-get download libfaketime');
    try {
      download();
    } catch {
      log('libfaketime: apt-get update, then apt-get download libfaketime again');
      run('apt-get update', 'apt-get', ['update', '-q'], work);
      download();
    }
    const deb = readdirSync(work).find((f) => /^libfaketime_.*\.deb$/.test(f));
    if (!deb) throw new Error('apt-get download libfaketime left no .deb');
    const version = deb.split('_')[1].replaceAll(':', '%3a');
    const unpacked = join(work, 'root');
    run(`dpkg -x ${deb}`, 'dpkg', ['-x', deb, unpacked], work);
    if (!existsSync(libraryUnder(unpacked))) throw new Error(`${deb} holds no ${libraryUnder('')}`);
    // Moved into place only once complete, so a half-made folder is never taken for one;
    // one that another process moved there meanwhile is kept (it may be in use).
    const home = join(LIBFAKETIME_CACHE, `libfaketime-${version}`);
    if (!existsSync(libraryUnder(home))) {
      rmSync(home, { recursive: true, force: true });
      try {
        renameSync(unpacked, home);
      } catch (err) {
        if (!existsSync(libraryUnder(home))) throw err;
      }
    }
    log(`libfaketime: unpacked ${deb} into ${home}`);
    return libraryUnder(home);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(libfaketimePath({ log: (line) => console.error(line) }));
  } catch (err) {
    console.error(`libfaketime: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
