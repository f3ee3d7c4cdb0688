// The local provider for real: SmolLM2-135M-Instruct (or PERSONAFLOW_TEST_LOCAL_MODEL)
// in-process through node-llama-cpp. Skipped, saying why, only when the model
// file is absent; `PERSONAFLOW_LLM_PROVIDER=local npm run bootstrap` fetches it.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../activities/errors.ts';
import { LocalExtractor } from '../../activities/llm/local-extractor.ts';
import { ReviewFeaturesSchema } from '../../activities/llm/review-features.ts';

const MODEL = resolve(process.env.PERSONAFLOW_TEST_LOCAL_MODEL ?? '.tools/models/SmolLM2-135M-Instruct.Q4_1.gguf');
const present = existsSync(MODEL);
if (!present) console.warn(`local-extractor tests skipped: no model at ${MODEL} (run: PERSONAFLOW_LLM_PROVIDER=local npm run bootstrap)`);

describe('LocalExtractor', () => {
  it('refuses a missing model file with a ConfigError naming it', () => {
    expect(() => new LocalExtractor({ modelPath: '/nowhere/model.gguf', model: 'x' })).toThrow(ConfigError);
    expect(() => new LocalExtractor({ modelPath: '/nowhere/model.gguf', model: 'x' })).toThrow(/\/nowhere\/model\.gguf/);
  });

  describe.skipIf(!present)('with the model', () => {
    const extractor = present ? new LocalExtractor({ modelPath: MODEL, model: 'smollm2-135m', sequences: 2 }) : undefined;
    afterAll(async () => {
      await extractor?.close();
    });

    it('answers every review of a batch with schema-valid features or a stated failure, on two sequences', async () => {
      const reviews = [
        { id: 'a', text: 'Great quality, I love it and will buy again!' },
        { id: 'b', text: 'Terrible. It broke after two days.' },
        { id: 'c', text: '质量很好，会回购' },
      ];
      const result = await extractor!.extractBatch(reviews);

      expect(result.outcomes.map((o) => o.id)).toEqual(['a', 'b', 'c']);
      for (const outcome of result.outcomes) {
        if (outcome.ok) expect(ReviewFeaturesSchema.safeParse(outcome.features).success).toBe(true);
        else expect(outcome.error).toMatch(/local model|invalid field/);
      }
      expect(result.outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(2);
      expect(result.usage.requests).toBe(3);
      expect(result.usage.promptTokens).toBeGreaterThan(0);
      expect(result.usage.completionTokens).toBeGreaterThan(0);
    });
  });
});
