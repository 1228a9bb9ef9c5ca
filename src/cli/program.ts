// The command tree. Each area defines its commands next to their handlers
// (src/cli/commands/); this file assembles them and turns every failure into
// one line on stderr and an exit code (src/cli/errors.ts).
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { oneLine } from '../ops/index.js';
import { ConfigError } from '../runtime/config.js';
import { addGlobalOptions, currentContext } from './command.js';
import { auditCommand } from './commands/audit.js';
import { calendarCommand } from './commands/calendars.js';
import { engineCommands } from './commands/engine.js';
import { explainCommand } from './commands/explain.js';
import { historyCommand } from './commands/history.js';
import { reevaluateCommand } from './commands/reevaluate.js';
import { templateCommand } from './commands/templates.js';
import { tokenCommand } from './commands/tokens.js';
import { userCommand } from './commands/users.js';
import { workspaceCommand } from './commands/workspaces.js';
import { CliError, EXIT, type ExitCode, firstLine, isUnreachable } from './errors.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command('autobuild')
    .description('Operate the autobuild engine: users, templates, workspaces, schedules and ticks.')
    .version(VERSION, '--version');
  addGlobalOptions(program);
  for (const make of [
    userCommand,
    templateCommand,
    workspaceCommand,
    explainCommand,
    historyCommand,
    reevaluateCommand,
    tokenCommand,
    auditCommand,
    calendarCommand,
  ]) {
    program.addCommand(make());
  }
  for (const command of engineCommands()) program.addCommand(command);
  configureTree(program);
  return program;
}

/** Commands built on their own (addCommand) inherit nothing: set error and help behaviour on every one. */
function configureTree(command: Command): void {
  command
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`autobuild: ${joinLines(text.replace(/^error: /, ''))}\n`) })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true);
  for (const sub of command.commands) configureTree(sub);
}

/**
 * Commander's message as one line: its lines trimmed and joined, and the
 * argument it quotes escaped. Split, not a regular expression of whitespace
 * around a line break: that takes quadratic time over a long run of spaces,
 * such as an argument of 100,000.
 */
const joinLines = (text: string) =>
  oneLine(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .join(' '),
  );

/** Runs one command line; resolves with the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    // Commander has printed its own message (or the help) already — except for an invalid argument
    // found by a command's own action (an option checked there), which it never saw: said below.
    if (err instanceof CommanderError && !(err instanceof InvalidArgumentError)) return err.exitCode === 0 ? EXIT.ok : EXIT.refused;
    const { message, exitCode } = describeFailure(err);
    process.stderr.write(`autobuild: ${oneLine(message)}\n`);
    if (argv.includes('--debug') && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCode;
  } finally {
    await currentContext()?.close();
  }
}

export function describeFailure(err: unknown): { message: string; exitCode: ExitCode } {
  if (err instanceof CliError) return { message: firstLine(err), exitCode: err.exitCode };
  if (err instanceof ConfigError) return { message: firstLine(err), exitCode: EXIT.refused };
  if (isUnreachable(err)) return { message: `a dependency did not answer: ${firstLine(err)}`, exitCode: EXIT.unavailable };
  return { message: firstLine(err), exitCode: EXIT.refused };
}
