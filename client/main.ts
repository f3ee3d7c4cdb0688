// The `personaflow` command line. This file only registers commands; the one
// error handler below is the only place that exits.
//
// Start-up is kept short by loading only the command that was asked for: each
// command's module (and so the Temporal SDK, DuckDB, openai...) is imported
// when that command runs. Top-level help lists every command from the table
// below without loading any of them.
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { classifyError } from './exit-code.ts';
import { ExitCode } from './cli-errors.ts';
import { debugEnabled } from '../worker/debug.ts';

type Register = (program: Command) => void;

/** Every command: its one-line description (the single source of it) and how to load it. */
const COMMANDS: Array<{ name: string; description: string; load: () => Promise<Register> }> = [
  { name: 'demo', description: 'generate the bundled sample data set and run the whole pipeline on it', load: async () => (await import('./commands/demo.ts')).registerDemo },
  { name: 'run', description: 'run the profile pipeline on a folder of source tables and print the summary', load: async () => (await import('./commands/run.ts')).registerRun },
  { name: 'worker', description: "run a worker: serves this store's task queues (the pipeline and review extraction)", load: async () => (await import('./commands/worker.ts')).registerWorker },
  { name: 'status', description: "recent runs; with a workflow id, that run's state, progress or summary", load: async () => (await import('./commands/status.ts')).registerStatus },
  { name: 'query', description: 'run SQL against the published outputs (current_profiles, profiles, segments, profile_versions, runs, ...)', load: async () => (await import('./commands/query.ts')).registerQuery },
  { name: 'segments', description: 'the segments of a published version: persona, size, key feature means', load: async () => (await import('./commands/segments.ts')).registerSegments },
  { name: 'profile', description: "one customer's profile in every kept version (segment, tier, risk, key features)", load: async () => (await import('./commands/profile.ts')).registerProfile },
  { name: 'drift', description: 'segment drift between two published versions: sizes, moved customers, changed feature means', load: async () => (await import('./commands/drift.ts')).registerDrift },
  { name: 'assign', description: 'put customers into the segments of a stored model version, without re-clustering', load: async () => (await import('./commands/assign.ts')).registerAssign },
  { name: 'export', description: 'write one published version (default: the current one) to a Parquet file', load: async () => (await import('./commands/export.ts')).registerExport },
  { name: 'version', description: 'published versions; pin one so retention keeps it', load: async () => (await import('./commands/version.ts')).registerVersion },
  { name: 'report', description: 'write the HTML profile report of a published version (self-contained: opens offline) and print its path', load: async () => (await import('./commands/report.ts')).registerReport },
  { name: 'schedule', description: 'scheduled retraining: Temporal Schedules that start profileRun', load: async () => (await import('./commands/schedule.ts')).registerSchedule },
  { name: 'backfill', description: 'profile every as-of time from --from to --to (inclusive), one version each', load: async () => (await import('./commands/backfill.ts')).registerBackfill },
  { name: 'server', description: 'the embedded Temporal dev server', load: async () => (await import('./commands/server.ts')).registerServer },
  { name: 'doctor', description: 'check Temporal, the store, the LLM provider, the local model and disk space; say what to fix', load: async () => (await import('./commands/doctor.ts')).registerDoctor },
];

/** The command the arguments ask for (`personaflow help run` asks for run's help). */
function requestedCommand(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const first = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.some((c) => c.name === first) ? first : undefined;
}

async function buildProgram(args: string[]): Promise<Command> {
  const program = new Command('personaflow')
    .description('versioned customer profiles from orders, sessions and reviews')
    .version(pkg.version, '-V, --version', 'print the version and exit')
    // Program options only before the command: `export --version 3` is export's own option.
    .enablePositionalOptions()
    .addHelpText('after', '\nExit codes: 0 ok, 2 usage, 3 bad input or data, 4 run failed, 5 Temporal, store or LLM unavailable.\n`personaflow <command> --help` shows a command\'s options.')
    .exitOverride();
  const wanted = requestedCommand(args);
  for (const entry of COMMANDS) {
    if (entry.name === wanted) {
      (await entry.load())(program);
      program.commands.find((c) => c.name() === entry.name)!.description(entry.description);
    } else {
      program.command(entry.name).description(entry.description); // listed in help, never run
    }
  }
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv.slice(2));
  await program.parseAsync(argv);
}

function report(error: unknown): void {
  if (error instanceof CommanderError) {
    // Commander printed the message (or the help) already; 0 for --help and --version.
    return exitWhenFlushed(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage);
  }
  const { code, message } = classifyError(error);
  console.error(`personaflow: ${message}`);
  if (debugEnabled()) console.error(error);
  else if (code === ExitCode.internal) console.error('personaflow: an unexpected error; PERSONAFLOW_DEBUG=1 prints its stack');
  exitWhenFlushed(code);
}

/**
 * Exits once everything printed has left the process. Output to a pipe that
 * the reader has not taken yet is queued, and process.exit drops the queue:
 * `query --json` of a few MB piped into another program was cut at 64 KB
 * (found by npm run chaos). An empty write's callback runs after the writes
 * before it.
 */
function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv).then(() => exitWhenFlushed(ExitCode.ok), report);
