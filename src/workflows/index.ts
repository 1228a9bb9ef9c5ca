// The workflow bundle's entry: deterministic orchestration only.
export { buildJob } from './build.js';
export { evaluateWorkspace } from './evaluate-workspace.js';
export { probe } from './probe.js';
export { tick } from './tick.js';
