// Small measuring helpers the benches share.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bytes under a folder. */
export function du(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    total += entry.isDirectory() ? du(p) : statSync(p).size;
  }
  return total;
}

/** The q-quantile of ascending values (nearest rank); undefined for none. */
export function quantile(sorted: number[], q: number): number | undefined {
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One query of the store reader (bench/store-reader.mjs): when it answered, its latency or its error. */
export interface Reading {
  at: number;
  ms?: number;
  n?: number;
  error?: string;
}

const READER = fileURLToPath(new URL('./store-reader.mjs', import.meta.url));

/** Starts the reader process on the lake; each query it reports is pushed to `readings`. */
export function startStoreReader(lake: unknown, extensionDir: string, readings: Reading[]): ChildProcess {
  const reader = spawn(process.execPath, [READER, JSON.stringify(lake), extensionDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  reader.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) readings.push({ at: Date.now(), ...(JSON.parse(line) as Omit<Reading, 'at'>) });
  });
  return reader;
}
