import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertQueueOfStore, defaultTaskQueue, storeId, storeIdOfTaskQueue } from '../../worker/store-id.ts';
import { loadConfig } from '../../worker/config.ts';

describe('store identity', () => {
  it('is created once per PERSONAFLOW_HOME and carried by the default task queue', () => {
    const a = mkdtempSync(join(tmpdir(), 'pf-store-'));
    const b = mkdtempSync(join(tmpdir(), 'pf-store-'));
    try {
      const id = storeId(a);
      expect(id).toMatch(/^[0-9a-f]{12}$/);
      expect(storeId(a)).toBe(id);
      expect(readFileSync(join(a, 'store-id'), 'utf8').trim()).toBe(id);
      expect(storeId(b)).not.toBe(id);
      const config = loadConfig({ PERSONAFLOW_HOME: a });
      expect(config.taskQueue).toBe(defaultTaskQueue(id));
      expect(storeIdOfTaskQueue(config.taskQueue)).toBe(id);
      expect(loadConfig({ PERSONAFLOW_HOME: a, PERSONAFLOW_TASK_QUEUE: 'shared' }).taskQueue).toBe('shared');
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });

  it('a worker refuses the task queue of another store, and accepts its own or a custom one', () => {
    const home = mkdtempSync(join(tmpdir(), 'pf-store-'));
    try {
      const other = `personaflow-${'a'.repeat(12)}`;
      expect(() => assertQueueOfStore(loadConfig({ PERSONAFLOW_HOME: home, PERSONAFLOW_TASK_QUEUE: other }))).toThrow(
        /belongs to store aaaaaaaaaaaa, but this worker's store .* is [0-9a-f]{12}/,
      );
      expect(() => assertQueueOfStore(loadConfig({ PERSONAFLOW_HOME: home }))).not.toThrow();
      expect(() => assertQueueOfStore(loadConfig({ PERSONAFLOW_HOME: home, PERSONAFLOW_TASK_QUEUE: 'team-a' }))).not.toThrow();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
