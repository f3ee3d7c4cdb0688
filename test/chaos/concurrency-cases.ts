// Runs at once on a fresh store with the same input: served by one worker
// process (`run --no-wait`), or by the `run` commands' own in-process workers
// with no worker process at all. Every run publishes its own whole version.
import { errorLine, secondsSince, type ChaosCase, type CaseOutcome } from './case.ts';
import { AS_OF } from './harness.ts';
import { awaitRun, startRun } from './runs.ts';

function concurrent(runs: number, workerProcess: boolean): ChaosCase {
  return {
    group: 'concurrent runs',
    name: `${runs} concurrent runs ${workerProcess ? 'with a worker process' : 'with no worker process'}`,
    async run(ctx): Promise<CaseOutcome> {
      const store = ctx.store();
      const problems: string[] = [];
      const started = Date.now();
      if (workerProcess) {
        await ctx.worker(store);
        const ids = await Promise.all(Array.from({ length: runs }, () => startRun(ctx, store, ctx.suite.sample.dir)));
        for (const { error } of await Promise.all(ids.map((id) => awaitRun(ctx, store, id)))) {
          if (error) problems.push(`a run failed: ${error}`);
        }
      } else {
        const outcomes = await Promise.all(
          Array.from({ length: runs }, () => ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', AS_OF, '--json'], {}, 400_000)),
        );
        for (const o of outcomes) if (o.code !== 0) problems.push(`a run command exited ${o.code}: ${errorLine(o.stderr)}`);
      }
      const versions = store.results.map((r) => r.version).sort();
      if (new Set(versions).size !== versions.length) problems.push(`versions published twice: ${versions.join(', ')}`);
      return {
        problems,
        expect: [[store, { published: runs, sample: ctx.suite.sample, baselineCustomers: ctx.suite.baselineCustomers }]],
        recoverSeconds: secondsSince(started),
      };
    },
  };
}

export function concurrencyCases(): ChaosCase[] {
  return [concurrent(2, true), concurrent(3, true), concurrent(2, false), concurrent(3, false)];
}
