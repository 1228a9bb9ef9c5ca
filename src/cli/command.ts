// The glue between commander and a command's handler: global options become a
// CliContext, and the handler's result is printed as a table or as JSON.
import { type Command, Option } from 'commander';
import { CliContext } from './context.js';
import { parseDurationArg } from './parse.js';

export interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
  workerTimeout: number;
}

/** Options every command accepts, wherever they appear on the line. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--json', 'print machine-readable JSON (shapes in docs/cli.md)')
    .option('--debug', 'print stack traces with errors')
    .addOption(
      new Option('--worker-timeout <duration>', 'how long to wait for a worker to take up a build, tick or re-evaluation before exit 2')
        .argParser(parseDurationArg)
        .default(30_000, '30s'),
    );
}

/** The context of the running command, for the error handler and for closing connections. */
let current: CliContext | undefined;
export const currentContext = () => current;

/**
 * Wraps a handler as a commander action: `(ctx, ...positional, options)`.
 * Commander passes `(...positional, options, command)`.
 */
export function action<A extends unknown[]>(handler: (ctx: CliContext, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    current = new CliContext({ json: globals.json === true, debug: globals.debug === true, workerTimeoutMs: globals.workerTimeout });
    await handler(current, ...(args.slice(0, -1) as A));
  };
}

/** Prints `value` as JSON with --json, else the human text. */
export function emit<T>(out: { json: boolean }, value: T, human: (value: T) => string): void {
  process.stdout.write(out.json ? `${JSON.stringify(value, null, 2)}\n` : human(value));
}

/** A line for people that --json leaves out (warnings, hints), on stderr so stdout stays JSON. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}
