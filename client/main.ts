// The `personaflow` command line. This file only registers commands; the one
// error handler below is the only place that exits.
import { Command, CommanderError } from 'commander';
import { registerDemo } from './commands/demo.ts';
import { registerRun } from './commands/run.ts';
import { registerWorker } from './commands/worker.ts';
import { registerStatus } from './commands/status.ts';
import { registerQuery } from './commands/query.ts';
import { registerServer } from './commands/server.ts';
import { registerAssign } from './commands/assign.ts';
import { registerDrift } from './commands/drift.ts';
import { registerSchedule } from './commands/schedule.ts';
import { registerProfile } from './commands/profile.ts';
import { registerExport } from './commands/export.ts';
import { registerVersion } from './commands/version.ts';
import { registerBackfill } from './commands/backfill.ts';
import { registerReport } from './commands/report.ts';
import { PersonaflowError } from '../activities/errors.ts';
import { UsageError } from './usage-error.ts';
import { debugEnabled } from '../worker/config.ts';

function buildProgram(): Command {
  const program = new Command('personaflow')
    .description('versioned customer profiles from orders, sessions and reviews')
    // Program options only before the command name, so a program-wide
    // --version cannot swallow `report --version N` or `export --version N`.
    .enablePositionalOptions()
    .exitOverride();
  registerDemo(program);
  registerRun(program);
  registerWorker(program);
  registerStatus(program);
  registerQuery(program);
  registerServer(program);
  registerAssign(program);
  registerDrift(program);
  registerSchedule(program);
  registerProfile(program);
  registerExport(program);
  registerVersion(program);
  registerBackfill(program);
  registerReport(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}

main(process.argv).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof UsageError || error instanceof PersonaflowError) {
      console.error(`personaflow: ${error.message}`);
    } else {
      let e = error as Error;
      while (e?.cause instanceof Error) e = e.cause; // show the activity's own message
      console.error(`personaflow: ${e?.message ?? String(error)}`);
      if (debugEnabled()) console.error(error);
    }
    process.exit(1);
  },
);
