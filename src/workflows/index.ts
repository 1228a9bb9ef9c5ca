// The workflow bundle's entry: deterministic orchestration only.
export { probe } from './probe.js';
