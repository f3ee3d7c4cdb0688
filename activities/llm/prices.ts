import { ConfigError } from '../errors.ts';
import type { ExtractionUsage } from './review-features.ts';

/** USD per million tokens. Cached prompt tokens are billed at their own (lower) rate. */
export interface ModelPrice {
  input: number;
  cachedInput: number;
  output: number;
}

/**
 * The documented default table (public list prices per 1M tokens, standard
 * tier, when this was written). PERSONAFLOW_LLM_PRICES replaces entries or adds
 * models: `{"my-model": {"input": 0.2, "cachedInput": 0.1, "output": 0.8}}`.
 * A model in neither gets no price and its cost is reported as unknown (null),
 * never as a made-up figure.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
};

/** The price of `model`: the env JSON first, then the default table. */
export function priceFor(model: string, pricesJson?: string): ModelPrice | undefined {
  let overrides: Record<string, unknown> = {};
  if (pricesJson) {
    try {
      overrides = JSON.parse(pricesJson) as Record<string, unknown>;
    } catch {
      throw new ConfigError('PERSONAFLOW_LLM_PRICES is not valid JSON (expected {"model": {"input": n, "cachedInput": n, "output": n}})');
    }
  }
  const entry = overrides[model] ?? DEFAULT_PRICES[model];
  if (entry === undefined) return undefined;
  const price = entry as Partial<ModelPrice>;
  for (const key of ['input', 'output'] as const) {
    if (typeof price[key] !== 'number' || price[key]! < 0) {
      throw new ConfigError(`PERSONAFLOW_LLM_PRICES: model "${model}" needs a non-negative number "${key}" (USD per 1M tokens)`);
    }
  }
  return { input: price.input!, output: price.output!, cachedInput: price.cachedInput ?? price.input! };
}

/** Estimated USD for some usage; `discount` is e.g. 0.5 for the Batch API. Null when the price is unknown. */
export function estimateCostUsd(usage: ExtractionUsage, price: ModelPrice | undefined, discount = 1): number | null {
  if (!price) return null;
  const uncached = usage.promptTokens - usage.cachedPromptTokens;
  const usd =
    (uncached * price.input + usage.cachedPromptTokens * price.cachedInput + usage.completionTokens * price.output) / 1e6;
  return Math.round(usd * discount * 1e6) / 1e6;
}
