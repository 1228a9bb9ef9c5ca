// A slice of the command-line fuzz (test/fuzz/cli.ts) for every `npm test`;
// the system suite runs the full 1,000 (test/system/reliability/fuzz-cli.test.ts).
import { describeCliFuzz } from './cli.js';

describeCliFuzz(300);
