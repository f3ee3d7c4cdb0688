import type { Command } from 'commander';
import { UsageError } from '../usage-error.ts';
import type { WorkerQueue } from '../../worker/create-worker.ts';

const QUEUES: WorkerQueue[] = ['main', 'extract'];

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('a long-running worker: serves the pipeline and review extraction; stops cleanly on Ctrl-C / SIGTERM')
    .option('--queues <list>', 'task queues to serve: main (workflows and every stage), extract (review extraction only), or both', 'main,extract')
    .action(async (options: { queues: string }) => {
      const queues = options.queues.split(',').map((q) => q.trim()).filter(Boolean);
      const bad = queues.filter((q) => !QUEUES.includes(q as WorkerQueue));
      if (queues.length === 0 || bad.length > 0) throw new UsageError(`--queues takes main, extract or both (main,extract), got "${options.queues}"`);
      const { runWorker } = await import('../../worker/main.ts');
      await runWorker(console.error, queues as WorkerQueue[]);
    });
}
