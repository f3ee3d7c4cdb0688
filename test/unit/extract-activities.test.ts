import { openTestStore } from '../support/store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createExtractActivities, type ExtractPlanResult, type ExtractRangeResult, type ExtractResult } from '../../activities/extract.ts';
import { withFailureBoundary } from '../../activities/failure-boundary.ts';
import { OpenAIExtractor } from '../../activities/llm/openai-extractor.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.ts';

let dir: string;
let warehouse: Warehouse;
let server: FakeOpenAI;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'personaflow-extract-activities-'));
  warehouse = await openTestStore(dir);
  await warehouse.withSession(ensureWarehouseSchema);
  server = await startFakeOpenAI();
});
afterEach(async () => {
  warehouse.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function activities(maxExtractFailureShare?: number): ReturnType<typeof createExtractActivities> {
  const extractor = new OpenAIExtractor({
    provider: 'openai',
    model: 'gpt-4o-mini',
    baseURL: server.baseURL,
    batchSize: 2,
    concurrency: 1,
    maxAttempts: 2,
    timeoutMs: 5_000,
    structuredOutput: 'json_schema',
  });
  const deps: ActivityDeps = {
    warehouse,
    extractor,
    llm: { batchSize: 2, concurrency: 1, price: { input: 1, cachedInput: 0.5, output: 2 } },
    maxRejectShare: 0.05,
    extractTaskQueue: 'personaflow-extract',
    maxExtractFailureShare,
  } as ActivityDeps;
  // Behind the failure boundary, as createActivities builds them for the worker.
  return withFailureBoundary(createExtractActivities(deps));
}

async function createRun(runId: string, n: number): Promise<void> {
  const schema = runSchema(runId);
  await warehouse.withSession(async (s) => {
    await s.run(`CREATE SCHEMA ${schema}`);
    await s.run(`CREATE TABLE ${schema}.reviews (review_id VARCHAR, customer_id VARCHAR, text VARCHAR)`);
    for (let i = 0; i < n; i++) await s.run(`INSERT INTO ${schema}.reviews VALUES (?, 'c', ?)`, [`r${i}`, `Review ${i}, good`]);
  });
}

describe('extract activities', () => {
  it('plans by numbers, then a retried range resumes: stored work is not sent again, heartbeat usage is carried on', async () => {
    await createRun('run-1', 8);
    const { planReviewExtraction, extractReviewRange } = activities();
    const plan = await new MockActivityEnvironment().run(planReviewExtraction, { runId: 'run-1' });
    expect(plan).toMatchObject({ extractor: 'openai', model: 'gpt-4o-mini', reviews: 8, cacheHits: 0, pendingGroups: 8, pendingReviews: 8 });

    // A first attempt that covered half the range before "crashing".
    const beats: unknown[] = [];
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (d: unknown) => beats.push(d));
    const half = await first.run(extractReviewRange, { runId: 'run-1', from: 0, to: 4 });
    expect(half).toMatchObject({ extracted: 4, failed: 0, skipped: 0 });
    expect(beats.at(-1)).toMatchObject({ done: 4, total: 4, usage: { requests: 2 } });

    // The retry of the whole range, handed the last heartbeat.
    server.requests.length = 0;
    const retry = new MockActivityEnvironment({ heartbeatDetails: beats.at(-1), attempt: 2 });
    const resumed: ExtractRangeResult = await retry.run(extractReviewRange, { runId: 'run-1', from: 0, to: 8 });
    const sent = server.requests.flatMap((r) => JSON.parse(r.body.messages[1].content).map((x: { id: string }) => x.id));
    expect(sent).toEqual(['r4', 'r5', 'r6', 'r7']);
    expect(resumed).toMatchObject({ extracted: 8, failed: 0, skipped: 0, budgetExhausted: false });
    expect(resumed.usage.requests).toBe(2 + 2);
  });

  it('records the accounting in runs.llm with the estimated cost', async () => {
    await warehouse.withSession((s) =>
      s.run(`INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at) VALUES ('run-2', 'wf', now(), 's', 'running', 'load', now())`),
    );
    const { recordExtraction } = activities();
    const usage = { requests: 3, promptTokens: 1_000_000, completionTokens: 500_000, cachedPromptTokens: 200_000 };
    const plan = { extractor: 'openai', model: 'gpt-4o-mini', reviews: 10, cacheHits: 2, pendingGroups: 8, pendingReviews: 8 };
    const result: ExtractResult = await new MockActivityEnvironment().run(recordExtraction, {
      runId: 'run-2', plan, extracted: 7, failed: 1, skipped: 0, usage, budgetExhausted: false, maxFailureShare: 0.1,
    });
    // 800k uncached at $1/M + 200k cached at $0.5/M + 500k out at $2/M.
    expect(result.costUsd).toBeCloseTo(0.8 + 0.1 + 1.0, 6);
    const stored = await warehouse.withSession((s) => s.one<{ llm: string }>(`SELECT llm::VARCHAR AS llm FROM runs WHERE run_id = 'run-2'`));
    expect(JSON.parse(stored!.llm)).toEqual(result);
    expect(result).toMatchObject({ reviews: 10, cacheHits: 2, extracted: 7, failed: 1, requests: 3, cachedPromptTokens: 200_000 });
  });

  it('fails the run before publish when the failed share of reviews is over the limit, naming the commonest reasons', async () => {
    await createRun('run-3', 10);
    await warehouse.withSession((s) =>
      s.run(`INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at) VALUES ('run-3', 'wf', now(), 's', 'running', 'load', now())`),
    );
    server.setScript({ mode: 'truncated' });
    const { planReviewExtraction, extractReviewRange, recordExtraction } = activities();
    const env = new MockActivityEnvironment();
    const plan: ExtractPlanResult = await env.run(planReviewExtraction, { runId: 'run-3' });
    const range: ExtractRangeResult = await env.run(extractReviewRange, { runId: 'run-3', from: 0, to: plan.pendingGroups });
    expect(range).toMatchObject({ extracted: 0, failed: 10 });
    // Each review was sent exactly maxAttempts (2) times: 5 batches of 2, each retried in halves once.
    expect(server.requests).toHaveLength(5 * 3);

    const failure = (await env
      .run(recordExtraction, { runId: 'run-3', plan, ...range, budgetExhausted: false })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ExtractFailureLimitError', nonRetryable: true });
    expect(failure.message).toMatch(
      /^review extraction failed for 10 of 10 reviews \(100\.0%\), over the limit of 5\.0% .*nothing was published; most common: malformed JSON in reply \(cut off at the token limit\) after 2 attempts \(10\)/,
    );
    expect(failure.message).not.toContain('Review 1');
    // The accounting is stored all the same, so runs.llm shows what happened.
    const stored = await warehouse.withSession((s) => s.one<{ llm: string }>(`SELECT llm::VARCHAR AS llm FROM runs WHERE run_id = 'run-3'`));
    expect(JSON.parse(stored!.llm)).toMatchObject({ failed: 10, reviews: 10 });

    // The run's own limit (the workflow input) and the worker's default both count.
    await expect(env.run(recordExtraction, { runId: 'run-3', plan, ...range, budgetExhausted: false, maxFailureShare: 1 })).resolves.toMatchObject({ failed: 10 });
    await expect(new MockActivityEnvironment().run(activities(1).recordExtraction, { runId: 'run-3', plan, ...range, budgetExhausted: false })).resolves.toMatchObject({ failed: 10 });
  });

  it('fails at once, non-retryable, on a bad API key: one request, no key in the failure', async () => {
    await createRun('run-4', 4);
    server.setScript({ mode: 'unauthorized' });
    const { planReviewExtraction, extractReviewRange } = activities();
    const env = new MockActivityEnvironment();
    const plan: ExtractPlanResult = await env.run(planReviewExtraction, { runId: 'run-4' });
    const failure = (await env.run(extractReviewRange, { runId: 'run-4', from: 0, to: plan.pendingGroups }).catch((e: unknown) => e)) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'LlmEndpointError', nonRetryable: true });
    expect(failure.message).toMatch(/refused the API key \(401 .*\): check OPENAI_API_KEY/);
    expect(server.requests).toHaveLength(1);
  });

  it('echo400: review text echoed by the endpoint reaches neither the failure nor review_features', async () => {
    await createRun('run-5', 4);
    server.setScript({ mode: 'echo400' });
    const { planReviewExtraction, extractReviewRange, recordExtraction } = activities();
    const env = new MockActivityEnvironment();
    const plan: ExtractPlanResult = await env.run(planReviewExtraction, { runId: 'run-5' });
    const range: ExtractRangeResult = await env.run(extractReviewRange, { runId: 'run-5', from: 0, to: plan.pendingGroups });
    const failure = (await env.run(recordExtraction, { runId: 'run-5', plan, ...range, budgetExhausted: false }).catch((e: unknown) => e)) as ApplicationFailure;
    expect(failure.message).toContain('request refused (400 invalid_request_error, code invalid_value)');
    const errors = await warehouse.withSession((s) => s.all<{ error: string }>(`SELECT error FROM review_features WHERE run_id = 'run-5'`));
    expect(errors).toHaveLength(4);
    for (const text of [failure.message, String(failure.stack), ...errors.map((e) => e.error)]) expect(text).not.toMatch(/Review \d/);
  });
});
