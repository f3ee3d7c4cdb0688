import { createHash, randomBytes } from 'node:crypto';
import { describeCatalog, type LakeConfig } from '../activities/warehouse/lake.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../activities/errors.ts';

/**
 * The store's identity: 12 hex digits. The default task queue carries it
 * (`personaflow-<id>`), so a worker serves only runs started for its own
 * store: a worker left running from another checkout, or another team's,
 * polls another queue and never sees them. For the embedded lake (catalog
 * under PERSONAFLOW_HOME) it is created once under PERSONAFLOW_HOME; for a
 * shared lake it is derived from the catalog and data path, so every
 * machine pointing at the same lake gets the same id and the same queue.
 */
const FILE = 'store-id';
const ID = /^[0-9a-f]{12}$/;

export function storeId(home: string, lake?: LakeConfig): string {
  if (lake && !lake.catalog.startsWith(`sqlite:${home}/`)) {
    return createHash('sha256').update(`${describeCatalog(lake)}\n${lake.dataPath}`).digest('hex').slice(0, 12);
  }
  const file = join(home, FILE);
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (ID.test(id)) return id;
  } catch {
    // not created yet
  }
  mkdirSync(home, { recursive: true });
  const id = randomBytes(6).toString('hex');
  // 'wx': when two processes race to create it, the first one's id wins.
  try {
    writeFileSync(file, `${id}\n`, { flag: 'wx' });
    return id;
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
}

export function defaultTaskQueue(id: string): string {
  return `personaflow-${id}`;
}

/** The store id a default task queue name carries, if it is one. */
export function storeIdOfTaskQueue(taskQueue: string): string | undefined {
  const m = /^personaflow-([0-9a-f]{12})$/.exec(taskQueue);
  return m?.[1];
}

/**
 * A worker refuses a task queue that names another store: it would serve runs
 * meant for a different warehouse (and fail on, or write into, the wrong files).
 */
export function assertQueueOfStore(config: { taskQueue: string; storeId: string; home: string }): void {
  const other = storeIdOfTaskQueue(config.taskQueue);
  if (other !== undefined && other !== config.storeId) {
    throw new ConfigError(
      `task queue "${config.taskQueue}" belongs to store ${other}, but this worker's store (PERSONAFLOW_HOME=${config.home}) is ${config.storeId}; unset PERSONAFLOW_TASK_QUEUE or point PERSONAFLOW_HOME at that store`,
    );
  }
}
