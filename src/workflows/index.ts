// The workflow bundle's entry: deterministic orchestration only.
export { probe } from './probe.js';
export { buildJob } from './build.js';
export { deliverOutbox } from './notifications.js';
export { tick } from './tick.js';
export { evaluateWorkspace } from './evaluate-workspace.js';
