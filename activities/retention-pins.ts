import type { ActivityDeps } from './deps.ts';
import { PersonaflowError } from './errors.ts';

export interface VersionPinInput {
  version: number;
  pinned: boolean;
}

export interface VersionPinResult {
  version: number;
  pinned: boolean;
  /** False when the version already was in the asked state. */
  changed: boolean;
}

/** A version that does not exist or that retention already removed. */
export class VersionNotAvailableError extends PersonaflowError {
  override readonly nonRetryable = true;
  override name = 'VersionNotAvailableError';
}

/**
 * Pins or unpins a published version: retention (retention.ts) never removes
 * a pinned one. Runs on a worker: readers attach the store read-only.
 */
export function createSetVersionPin(deps: ActivityDeps) {
  return async function setVersionPin(input: VersionPinInput): Promise<VersionPinResult> {
    return deps.warehouse.withSession(async (s) => {
        const known = await s.one<{ kept: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM profiles p WHERE p.version = v.version) AS kept FROM profile_versions v WHERE version = $1`,
          [input.version],
        );
        if (!known) throw new VersionNotAvailableError(`version ${input.version} was never published`);
        const was = (await s.one('SELECT 1 FROM pinned_versions WHERE version = $1', [input.version])) !== undefined;
        if (input.pinned && !was && !known.kept) {
          throw new VersionNotAvailableError(`version ${input.version} was already removed by retention; it cannot be pinned`);
        }
        await s.transaction(async (tx) => {
          await tx.run('DELETE FROM pinned_versions WHERE version = $1', [input.version]);
          if (input.pinned) await tx.run('INSERT INTO pinned_versions VALUES ($1, now())', [input.version]);
        });
        return { version: input.version, pinned: input.pinned, changed: was !== input.pinned };
      });
  };
}
