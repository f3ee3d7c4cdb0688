// The client and worker reach a cluster the way the Temporal CLI does: a
// profile of a TOML config file (@temporalio/envconfig). Here a TLS-less
// profile names the tests' dev server; nothing sets TEMPORAL_ADDRESS.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../worker/config.ts';
import { runCli } from '../support/cli.ts';

let dir: string;
let env: Record<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'personaflow-profile-'));
  const file = join(dir, 'temporal.toml');
  writeFileSync(file, `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.tests]\naddress = "${inject('temporalAddress')}"\nnamespace = "default"\n`);
  env = { PERSONAFLOW_HOME: join(dir, 'home'), TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'tests', TEMPORAL_ADDRESS: '' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Temporal profiles', () => {
  it('reads the address and namespace of the chosen profile, and TEMPORAL_ADDRESS overrides it', () => {
    const { TEMPORAL_ADDRESS: _unset, ...profileOnly } = env;
    const config = loadConfig(profileOnly);
    expect(config.temporal.address).toBe(inject('temporalAddress'));
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.connection).toEqual({});
    expect(loadConfig({ ...profileOnly, TEMPORAL_ADDRESS: '127.0.0.1:7999' }).temporal.address).toBe('127.0.0.1:7999');
  });

  it('a read-only command connects to the profile cluster, without starting a server of its own', async () => {
    const { TEMPORAL_ADDRESS: _unset, ...profileOnly } = env;
    const listed = await runCli(['schedule', 'list', '--json'], profileOnly);
    expect(listed.code, listed.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);
    // The default profile names a dead address: choosing it fails with exit 5 (unavailable).
    const other = await runCli(['schedule', 'list'], { ...profileOnly, TEMPORAL_PROFILE: 'default' });
    expect(other.code).toBe(5);
  });

  it('a bad profile file is a clear configuration error', async () => {
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[profile.tests\naddress = ');
    const { TEMPORAL_ADDRESS: _unset, ...profileOnly } = env;
    expect(() => loadConfig({ ...profileOnly, TEMPORAL_CONFIG_FILE: bad })).toThrow(/cannot read the Temporal profile/);
  });
});
