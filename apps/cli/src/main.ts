#!/usr/bin/env node
// The operator CLI (`npm run cli -- <command>`, contract section 7): a client of the HTTP API.
// Data goes to stdout, progress and reasons to stderr; exit 0 on success, 1 when the command
// failed, 2 for bad arguments — with a one-line reason, never a stack trace.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiClient, Role } from './api-client';
import { CliError, EXIT_USAGE, toCliError } from './cli-error';
import { exportLog } from './export-command';
import { importFile } from './import/import-command';
import { createKey, listKeys, revokeKey } from './keys-command';
import { listProjections, rebuildProjection } from './projections-command';
import { showStatus } from './status-command';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1) throw new InvalidArgumentError('must be a positive integer');
  return number;
}

export function buildProgram(): Command {
  const program = new Command('mission-tracker')
    .description('Operator CLI of the Mission Tracker: a client of its HTTP API')
    .addOption(new Option('--url <url>', 'the API').env('MT_URL').default('http://localhost:3000'))
    .addOption(new Option('--key <key>', 'an API key (operator for import, admin for keys and projections)').env('MT_API_KEY'))
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .showHelpAfterError('(run with --help for usage)');

  const client = (command: Command) => {
    const { url, key } = command.optsWithGlobals<{ url: string; key?: string }>();
    try {
      return new ApiClient({ url, key });
    } catch {
      throw new CliError(`--url "${url}" is not a URL (expected e.g. http://localhost:3000)`, [], EXIT_USAGE);
    }
  };

  program
    .command('import')
    .description('append the events of an NDJSON file (one event per line; exported envelopes accepted)')
    .argument('<file>', 'the .ndjson file')
    .addOption(new Option('--concurrency <n>', 'missions appended at once').default(4).argParser(positiveInteger))
    .action(async (file: string, options: { concurrency: number }, command: Command) => {
      await importFile(client(command), file, { concurrency: options.concurrency, warn: err, print: out });
    });

  program
    .command('export')
    .description('the log (or one mission) as NDJSON envelopes in position order')
    .option('--mission <id>', 'only this mission')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (options: { mission?: string; out?: string }, command: Command) => {
      // With the events on stdout, the summary goes to stderr.
      await exportLog(client(command), { missionId: options.mission, out: options.out, print: options.out ? out : err });
    });

  const keys = program.command('keys').description('API keys (admin)');
  keys
    .command('create')
    .description('create a key; its secret is shown once')
    .requiredOption('--name <name>', 'who or what uses it (recorded as metadata.actor)')
    .addOption(new Option('--role <role>', 'what it may do').choices(['viewer', 'operator', 'admin']).makeOptionMandatory())
    .action(async (options: { name: string; role: Role }, command: Command) => createKey(client(command), options.name, options.role, out));
  keys
    .command('list')
    .description('list keys (no secrets)')
    .action(async (_options: unknown, command: Command) => listKeys(client(command), out));
  keys
    .command('revoke')
    .description('revoke a key; it stops working at once')
    .argument('<id>', 'the key id (from keys list)')
    .action(async (id: string, _options: unknown, command: Command) => revokeKey(client(command), id, out));

  const projections = program
    .command('projections')
    .description('projection status (admin)')
    .action(async (_options: unknown, command: Command) => listProjections(client(command), out));
  projections
    .command('rebuild')
    .description('rebuild a projection from the log beside the live one')
    .argument('<name>', 'the projection (see projections)')
    .option('--wait', 'wait until it is live again, with a progress bar')
    .action(async (name: string, options: { wait?: boolean }, command: Command) =>
      rebuildProjection(client(command), name, { wait: Boolean(options.wait), print: out }),
    );

  program
    .command('status')
    .description('health, head position, lag and queue depth')
    .action(async (_options: unknown, command: Command) => showStatus(client(command), out));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander has already printed its own message (and help, or the version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    const failure = toCliError(error);
    for (const line of failure.details) err(line);
    err(`error: ${failure.message}`);
    return failure.exitCode;
  }
}

if (require.main === module) {
  // `export | head`: the reader has seen enough; stop quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
