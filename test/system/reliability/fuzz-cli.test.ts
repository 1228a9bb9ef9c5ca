// The command-line fuzz of issue 23 at its full size: 1,000 generated command
// lines per run (test/fuzz/cli.ts; `npm test` runs a slice of it).

import { describeCliFuzz } from '../../fuzz/cli.js';
import { FUZZ_RUNS } from '../../fuzz/runner.js';

describeCliFuzz(FUZZ_RUNS);
