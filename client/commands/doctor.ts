import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { PROJECT_ROOT } from '../../scripts/temporal-cli.mjs';
import { checkDisk, checkExtensions, checkLlm, checkModelFiles, checkStore, checkTemporal, doctorExitCode, type Check } from '../doctor-checks.ts';
import { CliError, type ExitCode } from '../cli-errors.ts';

/** Carries doctor's exit code to the one error handler without printing anything more. */
class DoctorFailed extends CliError {
  constructor(override readonly exitCode: ExitCode, message: string) {
    super(message);
  }
}

/** `personaflow doctor [--json]`: what works, what does not, and what to do about it. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const checks: Check[] = [
        ...(await checkTemporal(config)),
        ...(await checkStore(config)),
        ...(await checkExtensions()),
        ...(await checkLlm(config)),
        ...checkModelFiles(PROJECT_ROOT, config),
        ...checkDisk(config),
      ];
      if (options.json) {
        console.log(JSON.stringify({ home: config.home, taskQueue: config.taskQueue, storeId: config.storeId, checks }, null, 2));
      } else {
        console.log(`PERSONAFLOW_HOME ${config.home}, store ${config.storeId}, task queue ${config.taskQueue}`);
        for (const c of checks) {
          console.log(`${c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL'}  ${c.name.padEnd(11)} ${c.detail}`);
          if (c.fix && c.status !== 'ok') console.log(`      ${''.padEnd(11)} → ${c.fix}`);
        }
      }
      const code = doctorExitCode(checks);
      const failed = checks.filter((c) => c.status === 'fail').length;
      if (failed > 0) throw new DoctorFailed(code, `${failed} check(s) failed`);
    });
}
