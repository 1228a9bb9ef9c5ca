// The README walkthrough (docs/cli.md, "Walkthrough") as a test: the shell
// block a newcomer types in the second terminal runs here exactly as written,
// through bash and `npx autobuild`, against the test services and a worker in
// this process standing in for `npm start` in the first terminal.
import { afterAll, beforeAll, it } from 'vitest';
import { runWalkthrough } from '../helpers/walkthrough.js';
import { type CliHarness, startCliHarness } from './harness.js';

let h: CliHarness;
beforeAll(async () => {
  h = await startCliHarness();
  await h.startWorker();
});
afterAll(async () => h?.close());

it('the walkthrough in docs/cli.md works as written', async () => {
  await runWalkthrough(h.env);
}, 180_000);
