import type { Command } from 'commander';
import { runWorker } from '../../worker/main.ts';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .action(() => runWorker());
}
