// `npm run bench -- extraction [--seconds 20] [--tpm 200000] [--latency 300] [--concurrency 16] [--batch-sizes 1,10,25] [--local-reviews 16] [--local-threads 1]`
//
// The openai path against our fake server enforcing a tokens-per-minute limit
// (buckets start empty, so what is measured is steady pacing, not the first
// minute's burst): reviews/s, share of the token limit used, share of
// requests answered 429, requests and prompt tokens per 1,000 reviews, for
// batch sizes 1, 10 and 25. Then the local model's reviews/s with one and two
// parallel sequences (when the model file is there).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalExtractor } from '../activities/llm/local-extractor.ts';
import { OpenAIExtractor } from '../activities/llm/openai-extractor.ts';
import type { ReviewInput } from '../activities/llm/review-features.ts';
import { startFakeOpenAI } from '../test/support/fake-openai-server.ts';
import { labelledReviews } from './extraction-reviews.ts';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '20' },
      tpm: { type: 'string', default: '200000' },
      latency: { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '16' },
      'local-reviews': { type: 'string', default: '16' },
      'batch-sizes': { type: 'string', default: '1,10,25' },
      'local-threads': { type: 'string', default: '1' },
    },
  });
  const seconds = Number(values.seconds);
  const tpm = Number(values.tpm);
  const reviews = (await labelledReviews()).map((r): ReviewInput => ({ id: r.id, text: r.text }));
  console.log(`openai path: fake server at ${tpm} tokens/min, ${values.latency} ms latency, ${seconds} s per batch size, up to ${values.concurrency} requests in flight`);
  console.log('batch  reviews/s  token-limit-used  429-share  requests/1k  prompt-tokens/1k  completion-tokens/1k');
  for (const batchSize of values['batch-sizes'].split(',').map(Number).filter((n) => n > 0)) {
    const r = await openaiRun({ reviews, batchSize, seconds, tpm, latencyMs: Number(values.latency), concurrency: Number(values.concurrency) });
    console.log(
      [
        String(batchSize).padStart(5),
        r.reviewsPerSecond.toFixed(1).padStart(10),
        `${(r.limitShare * 100).toFixed(1)}%`.padStart(17),
        `${(r.throttledShare * 100).toFixed(2)}%`.padStart(10),
        r.requestsPer1k.toFixed(0).padStart(12),
        r.promptPer1k.toFixed(0).padStart(17),
        r.completionPer1k.toFixed(0).padStart(21),
      ].join(''),
    );
  }

  const model = resolve(process.env.PERSONAFLOW_LOCAL_MODEL ?? '.tools/models/SmolLM2-135M-Instruct.Q4_1.gguf');
  if (Number(values['local-reviews']) < 1) return;
  if (!existsSync(model)) {
    console.log(`local model: skipped, no model at ${model} (PERSONAFLOW_LLM_PROVIDER=local npm run bootstrap)`);
    return;
  }
  const sample = reviews.slice(0, Number(values['local-reviews']));
  const threads = Number(values['local-threads']);
  console.log(`local model ${model.split('/').at(-1)}: ${sample.length} reviews, ${threads} thread(s)`);
  // One context with 1 and 2 sequences, then 2 single-sequence contexts (one per core).
  for (const [contexts, sequences] of [[1, 1], [1, 2], [2, 1]] as const) {
    const extractor = new LocalExtractor({ modelPath: model, model: 'local', sequences, threads, contexts });
    try {
      await extractor.extractBatch(sample.slice(0, 1)); // load the model outside the timing
      const started = performance.now();
      const result = await extractor.extractBatch(sample);
      const elapsed = (performance.now() - started) / 1000;
      const ok = result.outcomes.filter((o) => o.ok).length;
      console.log(`  contexts ${contexts} x sequences ${sequences}: ${(sample.length / elapsed).toFixed(2)} reviews/s (${ok}/${sample.length} valid, ${(result.usage.completionTokens / elapsed).toFixed(0)} completion tokens/s)`);
    } finally {
      await extractor.close();
    }
  }
}

async function openaiRun(options: {
  reviews: ReviewInput[];
  batchSize: number;
  seconds: number;
  tpm: number;
  latencyMs: number;
  concurrency: number;
}) {
  const server = await startFakeOpenAI({
    latencyMs: options.latencyMs,
    limits: { requestsPerMinute: 10_000, tokensPerMinute: options.tpm, initialFill: 0 },
  });
  try {
    const extractor = new OpenAIExtractor(
      {
        provider: 'openai',
        model: 'bench-model',
        baseURL: server.baseURL,
        apiKey: 'sk-bench',
        batchSize: options.batchSize,
        concurrency: options.concurrency,
        maxAttempts: 3,
        timeoutMs: 120_000,
        structuredOutput: 'json_schema',
      },
    );
    const deadline = performance.now() + options.seconds * 1000;
    const started = performance.now();
    let next = 0;
    let done = 0;
    let promptTokens = 0;
    let completionTokens = 0;
    let requests = 0;
    // As extractRange does: a pool of workers taking batches until time is up (a bounded loop).
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const batch: ReviewInput[] = [];
        for (let i = 0; i < options.batchSize; i++) {
          const review = options.reviews[next++ % options.reviews.length]!;
          batch.push({ id: `${next}-${review.id}`, text: review.text });
        }
        const result = await extractor.extractBatch(batch);
        done += result.outcomes.length;
        promptTokens += result.usage.promptTokens;
        completionTokens += result.usage.completionTokens;
        requests += result.usage.requests;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const elapsed = (performance.now() - started) / 1000;
    const { stats } = server;
    return {
      reviewsPerSecond: done / elapsed,
      limitShare: stats.tokens / ((options.tpm * elapsed) / 60),
      throttledShare: stats.throttled / Math.max(1, stats.answered + stats.throttled),
      requestsPer1k: (requests / done) * 1000,
      promptPer1k: (promptTokens / done) * 1000,
      completionPer1k: (completionTokens / done) * 1000,
    };
  } finally {
    await server.close();
  }
}
