import type { Command } from 'commander';
import { runWorker } from '../../worker/main.ts';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker: serves the personaflow task queue and owns the DuckDB warehouse')
    .action(() => runWorker());
}
