import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { findSources } from './warehouse/source-files.ts';
import { SourceError } from './errors.ts';

/**
 * Bump when a stage's outputs change meaning (new staging columns, new rules):
 * every older checkpoint then stops matching and is redone once.
 */
export const CHECKPOINT_FORMAT = 4; // 2: issue 8 features (BG/NBD summary) and assignments (p_alive, segment_reasons, ...); 3: MBG/NBD values; 4: Gamma-Gamma on every order day (order_day_spend_mean)

export interface FingerprintInputs {
  asOf: string;
  source: string;
  maxRejectShare: number;
  k: number | null;
  clvHorizonDays: number | null;
  extractor: string;
  model: string;
  promptVersion: string;
}

export interface Fingerprint {
  /** sha256 hex of `inputs`, or null when the source folder cannot be listed. */
  fingerprint: string | null;
  /** Everything the hash covers, recorded for people who ask "why was this redone?". */
  inputs: FingerprintInputs & { format: number; files: Array<{ name: string; size: number; mtimeMs: number }> };
}

/**
 * The identity of a run's inputs: as-of time, every source file's name, size
 * and modification time (like make and rsync: cheap at any size, and a file
 * rewritten in place gets a new mtime; --force covers the rest), and the
 * settings that change results. Two runs with the same fingerprint produce
 * the same staging tables, features and model, so the later one may reuse.
 */
export async function fingerprintOf(inputs: FingerprintInputs): Promise<Fingerprint> {
  const files: Array<{ name: string; size: number; mtimeMs: number }> = [];
  try {
    const entries = await findSources(inputs.source);
    for (const entry of Object.values(entries)) {
      for (const part of entry?.parts ?? []) {
        const info = await stat(part.path);
        files.push({ name: part.name, size: info.size, mtimeMs: Math.floor(info.mtimeMs) });
      }
    }
  } catch (error) {
    // The load stage reports a bad source folder with its own clear message.
    if (error instanceof SourceError) return { fingerprint: null, inputs: { ...inputs, format: CHECKPOINT_FORMAT, files } };
    throw error;
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  const all = { ...inputs, format: CHECKPOINT_FORMAT, files };
  const { source: _path, ...hashed } = all; // the same files elsewhere are the same inputs
  return { fingerprint: createHash('sha256').update(JSON.stringify(hashed)).digest('hex'), inputs: all };
}
