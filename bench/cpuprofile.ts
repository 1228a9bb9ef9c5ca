// Sums a V8 CPU profile (`--cpu-prof`): active time, and the functions with
// the most self and inclusive time, as docs/benchmarks.md quotes them.
//   npx tsx bench/cpuprofile.ts <file.cpuprofile> [top N, default 30]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};
if (!file) fail('usage: npx tsx bench/cpuprofile.ts <file.cpuprofile> [top N]');
const top = Number(topArg ?? 30);
if (!Number.isInteger(top) || top < 1) fail(`top N must be a positive whole number, got "${topArg}"`);
const profile = readProfile(file!);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const time = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));

const name = (n: ProfileNode) => {
  const url = n.callFrame.url ? n.callFrame.url.split('/node_modules/').pop() : '';
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber}`;
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
for (const [id, t] of time) {
  total += t;
  const key = name(byId.get(id)!);
  self.set(key, (self.get(key) ?? 0) + t);
  const seen = new Set<string>();
  for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
    const k = name(byId.get(x)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + t);
  }
}
const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, t]) => a + t, 0);
const active = total - idle;
const s = (us: number) => `${(us / 1e6).toFixed(2).padStart(7)} s`;
const pct = (us: number) => `${((100 * us) / active).toFixed(1).padStart(5)}%`;
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`--- ${title}\n`);
  for (const [k, t] of [...m]
    .filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    process.stdout.write(`${s(t)} ${pct(t)} ${k}\n`);
  }
};
process.stdout.write(`total ${s(total)}, idle ${s(idle)}, active ${s(active)} (percentages are of active)\n`);
print('self', self);
print('inclusive', inclusive);

/** The profile, or a one-line error: a file that is missing or is not a `--cpu-prof` profile. */
function readProfile(path: string): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const p = JSON.parse(text) as Profile;
    if (Array.isArray(p.nodes) && Array.isArray(p.samples) && Array.isArray(p.timeDeltas)) return p;
  } catch {
    // reported below
  }
  return fail(`${path} is not a V8 CPU profile (expected the JSON that node --cpu-prof writes)`);
}
