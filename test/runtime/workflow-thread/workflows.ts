// Workflows of test/runtime/workflow-thread.test.ts: one that yields, one that never does.
export async function quick(n: number): Promise<number> {
  await Promise.resolve();
  return n + 1;
}

export async function spin(): Promise<void> {
  for (;;) {
    // never yields: the watchdog must stop the workflow thread
  }
}
