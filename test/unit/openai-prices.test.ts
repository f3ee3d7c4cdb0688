import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../activities/errors.ts';
import { DEFAULT_PRICES, estimateCostUsd, priceFor } from '../../activities/llm/prices.ts';

describe('price table', () => {
  it('uses the documented default table, with env JSON replacing or adding models', () => {
    expect(priceFor('gpt-4o-mini')).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceFor('gpt-4o-mini', '{"gpt-4o-mini": {"input": 1, "output": 3}}')).toEqual({ input: 1, cachedInput: 1, output: 3 });
    expect(priceFor('my-vllm-model', '{"my-vllm-model": {"input": 0, "cachedInput": 0, "output": 0}}')).toEqual({ input: 0, cachedInput: 0, output: 0 });
    expect(priceFor('unknown-model')).toBeUndefined();
  });

  it('rejects bad JSON and missing prices with a ConfigError naming the model', () => {
    expect(() => priceFor('m', '{nope')).toThrow(ConfigError);
    expect(() => priceFor('m', '{"m": {"input": 1}}')).toThrow(/model "m" needs a non-negative number "output"/);
  });

  it('prices cached prompt tokens at their own rate and reports unknown as null', () => {
    const usage = { requests: 1, promptTokens: 2_000_000, completionTokens: 1_000_000, cachedPromptTokens: 1_000_000 };
    expect(estimateCostUsd(usage, { input: 0.15, cachedInput: 0.075, output: 0.6 })).toBeCloseTo(0.15 + 0.075 + 0.6, 9);
    expect(estimateCostUsd(usage, { input: 0.15, cachedInput: 0.075, output: 0.6 }, 0.5)).toBeCloseTo(0.4125, 9);
    expect(estimateCostUsd(usage, undefined)).toBeNull();
  });
});
