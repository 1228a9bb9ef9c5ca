// Entry points end with one readable line and a non-zero exit on failure, never
// a stack trace (pass --debug for one).
export async function runMain(main: () => Promise<void>, name = 'autobuild'): Promise<void> {
  try {
    await main();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${name}: ${message.split('\n')[0]}\n`);
    if (process.argv.includes('--debug') && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
