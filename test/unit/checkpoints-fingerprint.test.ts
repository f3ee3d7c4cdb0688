import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, type FingerprintInputs } from '../../activities/checkpoints-fingerprint.ts';

describe('fingerprintOf', () => {
  let dir: string;
  let inputs: FingerprintInputs;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'personaflow-fp-'));
    // A minimal source folder: the two required tables.
    const source = join(dir, 'a');
    mkdirSync(source);
    writeFileSync(join(source, 'customers.csv'), 'customer_id\nC1\n');
    writeFileSync(join(source, 'orders.csv'), 'order_id,customer_id,ordered_at,unit_price\nO1,C1,2026-01-01T00:00:00Z,3\n');
    inputs = { asOf: '2026-11-01T00:00:00.000Z', source, maxRejectShare: 0.05, k: null, clvHorizonDays: null, extractor: 'offline', model: 'rules-v1', promptVersion: 'v1' };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is stable for the same files and settings, wherever the folder is', async () => {
    const first = await fingerprintOf(inputs);
    expect(first.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await fingerprintOf(inputs)).fingerprint).toBe(first.fingerprint);
    // Whole-second times: copies keep those exactly (sub-millisecond parts may round).
    for (const file of ['customers.csv', 'orders.csv']) utimesSync(join(inputs.source, file), new Date('2026-11-01'), new Date('2026-11-01'));
    const stamped = await fingerprintOf(inputs);
    const copy = join(dir, 'b');
    cpSync(inputs.source, copy, { recursive: true, preserveTimestamps: true });
    const copied = await fingerprintOf({ ...inputs, source: copy });
    expect(copied.inputs.files).toEqual(stamped.inputs.files);
    expect(copied.fingerprint).toBe(stamped.fingerprint);
    expect(first.inputs.files.map((f) => f.name)).toEqual(['customers.csv', 'orders.csv']);
  });

  it('changes with the as-of time, a setting, or a rewritten file', async () => {
    const base = (await fingerprintOf(inputs)).fingerprint;
    expect((await fingerprintOf({ ...inputs, asOf: '2026-11-02T00:00:00.000Z' })).fingerprint).not.toBe(base);
    expect((await fingerprintOf({ ...inputs, k: 4 })).fingerprint).not.toBe(base);
    expect((await fingerprintOf({ ...inputs, clvHorizonDays: 90 })).fingerprint).not.toBe(base);
    expect((await fingerprintOf({ ...inputs, promptVersion: 'v2' })).fingerprint).not.toBe(base);
    utimesSync(join(inputs.source, 'orders.csv'), new Date('2030-01-01'), new Date('2030-01-01'));
    expect((await fingerprintOf(inputs)).fingerprint).not.toBe(base);
  });

  it('is null when the folder lacks a required table (the load stage explains)', async () => {
    rmSync(join(inputs.source, 'orders.csv'));
    expect((await fingerprintOf(inputs)).fingerprint).toBeNull();
  });
});
