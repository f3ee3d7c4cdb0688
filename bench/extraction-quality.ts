// `npm run bench -- quality-extraction [--n 60]`
//
// Accuracy of sentiment label and purchase intent against the sample
// generator's planted labels (_truth/review_labels.csv), for the offline
// rules and the local model on the same first n labelled reviews (plus the
// offline rules on every labelled review). The fake server is left out on
// purpose: its answers exercise plumbing and say nothing of quality.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalExtractor } from '../activities/llm/local-extractor.ts';
import { OfflineExtractor } from '../activities/llm/offline-extractor.ts';
import type { ReviewFeatureExtractor } from '../activities/llm/review-features.ts';
import { labelledReviews, type LabelledReview } from './extraction-reviews.ts';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { n: { type: 'string', default: '60' } } });
  const all = await labelledReviews();
  const n = Math.min(Number(values.n), all.length);
  const subset = all.slice(0, n);
  console.log('extractor                      reviews  sentiment  purchase-intent  failed');
  const offline = new OfflineExtractor();
  print('offline (rules-v1), all', all.length, await score(offline, all, 500));
  print('offline (rules-v1), first n', n, await score(offline, subset, 500));

  const model = resolve(process.env.PERSONAFLOW_LOCAL_MODEL ?? '.tools/models/SmolLM2-135M-Instruct.Q4_1.gguf');
  if (!existsSync(model)) {
    console.log(`local model: skipped, no model at ${model} (PERSONAFLOW_LLM_PROVIDER=local npm run bootstrap)`);
    return;
  }
  const local = new LocalExtractor({ modelPath: model, model: 'local', sequences: 2 });
  try {
    print(`local (${model.split('/').at(-1)!.replace(/\.gguf$/, '')})`, n, await score(local, subset, 8));
  } finally {
    await local.close();
  }
}

interface Score {
  sentiment: number;
  intent: number;
  failed: number;
}

/** Accuracy over all reviews given; a failed extraction counts as wrong. */
async function score(extractor: ReviewFeatureExtractor, reviews: LabelledReview[], batchSize: number): Promise<Score> {
  let sentiment = 0;
  let intent = 0;
  let failed = 0;
  for (let i = 0; i < reviews.length; i += batchSize) {
    const batch = reviews.slice(i, i + batchSize);
    const result = await extractor.extractBatch(batch.map(({ id, text }) => ({ id, text })));
    const byId = new Map(result.outcomes.map((o) => [o.id, o]));
    for (const review of batch) {
      const outcome = byId.get(review.id);
      if (!outcome?.ok) {
        failed += 1;
        continue;
      }
      if (outcome.features.sentiment_label === review.sentiment) sentiment += 1;
      if (outcome.features.purchase_intent === review.purchaseIntent) intent += 1;
    }
  }
  return { sentiment: sentiment / reviews.length, intent: intent / reviews.length, failed };
}

function print(name: string, n: number, s: Score): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(`${name.padEnd(31)}${String(n).padStart(7)}${pct(s.sentiment).padStart(11)}${pct(s.intent).padStart(17)}${String(s.failed).padStart(8)}`);
}
