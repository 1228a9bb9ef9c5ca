// Workflows of test/runtime/workflow-thread.test.ts: one that yields, one that
// never does, one that waits in several shapes at once.
import { condition, defineSignal, setHandler, sleep } from '@temporalio/workflow';

export async function quick(n: number): Promise<number> {
  await Promise.resolve();
  return n + 1;
}

export async function spin(): Promise<void> {
  for (;;) {
    // never yields: the watchdog must stop the workflow thread
  }
}

// Blocks in several shapes at once (Promise.all, race, allSettled, any, a
// .then chain, nested async functions) until signalled: for comparing the
// stack-trace queries' answers with the SDK's own promise hook.

export const release = defineSignal('release');

export async function blocked(): Promise<string> {
  let released = false;
  setHandler(release, () => void (released = true));
  const waitReleased = async () => {
    await condition(() => released);
    return 'released';
  };
  const nested = async (depth: number): Promise<string> => (depth === 0 ? waitReleased() : nested(depth - 1));
  const results = await Promise.all([
    Promise.race([waitReleased(), sleep('1 day').then(() => 'slept')]),
    Promise.allSettled([nested(3), condition(() => released)]),
    Promise.any([waitReleased().then((r) => r.toUpperCase())]),
    waitReleased().then((r) => `${r}!`),
  ]);
  return JSON.stringify(results);
}
