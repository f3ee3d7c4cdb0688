// Data teams read while runs go on: a separate process keeps one read-only
// attachment of the lake and queries it in a loop through two publications:
// it never fails, never sees a mix, and each query sees the newest version.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { EXTENSION_DIR } from '../../activities/warehouse/lake.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';

const READER = fileURLToPath(new URL('../support/read-outputs-loop.mjs', import.meta.url));

interface Read {
  n?: number;
  versions?: number;
  version?: number;
  newest?: number;
  expected?: number;
  error?: string;
}

describe('readers during runs', () => {
  let h: Harness;
  let reader: ChildProcess | undefined;

  beforeAll(async () => {
    h = await createHarness('readers', inject('temporalAddress'));
    await h.startWorker();
  });

  afterAll(async () => {
    reader?.kill('SIGKILL');
    await h?.close();
  });

  const run = (n: number, extra: Record<string, unknown> = {}) =>
    h.client.workflow.execute(profileRun, {
      taskQueue: h.taskQueue,
      workflowId: `readers-${n}-${Date.now()}`,
      args: [{ source: h.source, asOf: SAMPLE_AS_OF, ...extra }],
    }) as Promise<ProfileRunResult>;

  it('a reader process queries current_profiles in a loop and sees whole versions only', async () => {
    const first = await run(1);
    const reads: Read[] = [];
    let buffered = '';
    reader = spawn(process.execPath, [READER, JSON.stringify(h.config.lake), EXTENSION_DIR], { stdio: ['ignore', 'pipe', 'inherit'] });
    reader.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) reads.push(JSON.parse(line) as Read);
    });
    for (let i = 0; reads.length === 0; i++) {
      if (i > 300) throw new Error('the reader never read');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Two more publications while the reader reads (the second redoes every stage).
    const second = await run(2);
    const third = await run(3, { force: true });
    for (let i = 0; !reads.some((r) => r.version === third.version); i++) {
      if (i > 300) throw new Error(`the reader never saw version ${third.version}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    reader.kill('SIGKILL');

    expect(reads.filter((r) => r.error)).toEqual([]);
    for (const r of reads) {
      expect(r.versions).toBe(1); // one version at a time in current_profiles
      expect(r.version).toBe(r.newest); // and it is the newest published one
      expect(r.n).toBe(r.expected); // with every customer of that version
      expect(r.n).toBe(first.customers);
    }
    const seen = [...new Set(reads.map((r) => r.version))];
    expect(seen[0]).toBe(first.version); // reading began before the other publications
    expect(seen.at(-1)).toBe(third.version);
    expect(second.version).toBeGreaterThan(first.version);
  });
});
