import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../errors.ts';

/**
 * Fails by name when a store a process is about to write lives on a
 * read-only mount or in folders it may not write. Without this, the first
 * symptom was whichever write came first, e.g. `ENOENT: mkdir .../tmp/duckdb`
 * (node reports a read-only parent that way), which says nothing of the cause.
 * Each path is checked at its nearest existing ancestor: that is where the
 * missing folders would be created. Readers (read-only attachments) skip this
 * check; a SQLite catalog still needs its folder writable for them (WAL files).
 */
export function assertWritable(paths: Array<string | undefined>): void {
  for (const path of paths) {
    if (path === undefined) continue;
    let existing = path;
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    try {
      accessSync(existing, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'not writable';
      throw new StoreUnavailableError(
        `the store is read-only here: ${existing} cannot be written (${code}). ` +
          'Runs and workers write to the store: make it writable, or point PERSONAFLOW_HOME at a writable store',
        error,
      );
    }
  }
}
