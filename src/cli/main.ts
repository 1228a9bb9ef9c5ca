// The `autobuild` command (bin/autobuild.mjs runs the compiled file).
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Connections are closed by runCli; this only guards against a handle that
// something else left open, so that a finished command always returns.
setTimeout(() => process.exit(code), 1000).unref();
