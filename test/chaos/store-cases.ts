// The store's disk: full while a run publishes (a small tmpfs under the
// store, mounted when the suite runs as root), and read-only. A run that
// cannot write ends failed with a clear reason; status and publication agree;
// nothing temporary is left behind.
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errorLine, secondsSince, type ChaosCase, type CaseOutcome } from './case.ts';
import { AS_OF, sleep, waitForFile, type CaseContext } from './harness.ts';

const isRoot = () => process.getuid?.() === 0;

/** Writes a filler file until the disk is full; returns its path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler.bin');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1 << 20, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    for (let size = 1 << 19; size >= 512; size >>= 1) {
      try {
        for (;;) writeSync(fd, chunk.subarray(0, size));
      } catch {
        // next smaller piece
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

function mountTmpfs(ctx: CaseContext, sizeMb: number): string {
  const dir = mkdtempSync(join(ctx.suite.root, 'tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  ctx.onCleanup(() => void execFileSync('umount', ['-l', dir]));
  return dir;
}

/**
 * The disk fills while train holds, so the stages after it meet a full disk,
 * and is freed `fullForMs` later (an operator's response): 20 s, publish's
 * retries outlast it; 60 s, they do not and the failure must still be
 * recorded once there is space.
 */
function fullDisk(fullForMs: number): ChaosCase {
  return {
    group: 'full disk',
    name: `full disk from train on, freed ${fullForMs / 1000} s later`,
    skip: () => (isRoot() ? undefined : 'needs root to mount a tmpfs under the store'),
    async run(ctx): Promise<CaseOutcome> {
      const home = mountTmpfs(ctx, 64);
      const store = ctx.store({}, ctx.suite.server.address, home);
      const first = await ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', AS_OF, '--json']);
      const problems: string[] = first.code === 0 ? [] : [`the first run failed: ${errorLine(first.stderr)}`];
      const marker = join(ctx.suite.root, `${home.split('/').pop()}.marker`);
      // Train holds 15 s once its work is done; the disk fills meanwhile, so publish meets it.
      const second = ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', '2026-10-01T00:00:00Z', '--json'], {
        PERSONAFLOW_TEST_HOLD_IN_STAGE: `train:15000:${marker}`,
      });
      await waitForFile(marker, 'train');
      const filler = fillDisk(home);
      const filledAt = Date.now();
      await sleep(fullForMs);
      rmSync(filler, { force: true });
      const outcome = await second;
      const seconds = secondsSince(filledAt);
      const note = `second run exit ${outcome.code}${outcome.code ? `: ${errorLine(outcome.stderr).slice(0, 140)}` : ''}`;
      return { problems, expect: [[store, {}]], recoverSeconds: seconds, note };
    },
  };
}

const readOnly: ChaosCase = {
  group: 'read-only store',
  name: 'read-only store',
  async run(ctx): Promise<CaseOutcome> {
    const store = ctx.store();
    const first = await ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', AS_OF, '--json']);
    const problems: string[] = first.code === 0 ? [] : [`the first run failed: ${errorLine(first.stderr)}`];
    // Root ignores file modes: a read-only bind mount of the store then; chmod otherwise.
    const makeWritable = isRoot()
      ? (() => {
          execFileSync('mount', ['--bind', store.home, store.home]);
          execFileSync('mount', ['-o', 'remount,bind,ro', store.home]);
          return () => execFileSync('umount', [store.home]);
        })()
      : (() => {
          execFileSync('chmod', ['-R', 'a-w', store.home]);
          return () => chmodSync(store.home, 0o755) ?? execFileSync('chmod', ['-R', 'u+w', store.home]);
        })();
    const started = Date.now();
    let second;
    try {
      second = await ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', '2026-10-01T00:00:00Z', '--json'], {}, 180_000);
    } finally {
      makeWritable();
    }
    const seconds = secondsSince(started);
    if (second.code === 0) problems.push('a run on a read-only store published');
    else if (!/read-only|read only|EROFS|EACCES/i.test(errorLine(second.stderr))) problems.push(`the failure does not say the store is read-only: ${errorLine(second.stderr)}`);
    if (seconds > 60) problems.push(`the failure took ${seconds} s, goal 60 s`);
    return {
      problems,
      expect: [[store, { published: 1, sample: ctx.suite.sample, baselineCustomers: ctx.suite.baselineCustomers }]],
      recoverSeconds: seconds,
      note: `exit ${second.code}: ${errorLine(second.stderr).slice(0, 120)}`,
    };
  },
};

export function storeCases(): ChaosCase[] {
  return [fullDisk(20_000), fullDisk(60_000), readOnly];
}
