// The extract stage's child workflow on a real worker and dev server: range
// fan-out, continue-as-new on a long backfill, the token budget's clean stop,
// and the accounting record in runs.llm.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../../worker/config.ts';
import { createPersonaflowWorker, type PersonaflowWorker } from '../../worker/create-worker.ts';
import { runSchema } from '../../activities/warehouse/schema.ts';
import { extractReviewsWorkflow } from '../../workflows/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.ts';

describe('extractReviewsWorkflow', () => {
  let home: string;
  let server: FakeOpenAI;
  let worker: PersonaflowWorker;
  let running: Promise<void>;
  let client: Client;
  const taskQueue = `extraction-${process.pid}-${Date.now()}`;

  /** A run with `n` distinct reviews and its runs row, as loadSources and startRun would leave them. */
  async function createRun(runId: string, n: number, text = (i: number) => `Review ${runId} ${i}: good quality`): Promise<void> {
    const schema = runSchema(runId);
    await worker.warehouse.withSession(async (s) => {
      await s.run(`CREATE SCHEMA ${schema}`);
      await s.run(`CREATE TABLE ${schema}.reviews (review_id VARCHAR, customer_id VARCHAR, text VARCHAR)`);
      for (let i = 0; i < n; i++) {
        await s.run(`INSERT INTO ${schema}.reviews VALUES (?, ?, ?)`, [`${runId}-r${String(i).padStart(3, '0')}`, `c${i}`, text(i)]);
      }
      await s.run(
        `INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at) VALUES (?, 'wf', now(), 'test', 'running', 'load', now())`,
        [runId],
      );
    });
  }

  const rows = (runId: string) =>
    worker.warehouse.withSession((s) =>
      s.all<{ status: string; n: number }>(
        `SELECT status, count(*)::INTEGER AS n FROM review_features WHERE run_id = ? GROUP BY status ORDER BY status`,
        [runId],
      ),
    );
  const llm = (runId: string) =>
    worker.warehouse.withSession(async (s) => {
      const row = await s.one<{ llm: string }>(`SELECT llm::VARCHAR AS llm FROM runs WHERE run_id = ?`, [runId]);
      return JSON.parse(row!.llm) as Record<string, unknown>;
    });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'personaflow-extraction-'));
    server = await startFakeOpenAI();
    const config = loadConfig({
      PERSONAFLOW_HOME: home,
      PERSONAFLOW_LLM_PROVIDER: 'openai',
      PERSONAFLOW_LLM_MODEL: 'gpt-4o-mini',
      OPENAI_BASE_URL: server.baseURL,
      PERSONAFLOW_LLM_BATCH_SIZE: '5',
      PERSONAFLOW_LLM_CONCURRENCY: '1', // one batch at a time: the budget test's stop point is exact
    });
    worker = await createPersonaflowWorker(config, inject('temporalAddress'), { taskQueue });
    running = worker.run();
    client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await client?.connection.close();
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('fans out over ranges and continues as new, ending with every review extracted and the accounting stored', async () => {
    await createRun('backfill', 30);
    const workflowId = `extract-backfill-${Date.now()}`;
    const result = await client.workflow.execute(extractReviewsWorkflow, {
      taskQueue,
      workflowId,
      args: [{ runId: 'backfill', rangeSize: 4, parallelRanges: 2, maxRangesPerExecution: 3 }],
    });

    expect(result).toMatchObject({ extractor: 'openai', reviews: 30, cacheHits: 0, extracted: 30, failed: 0, skipped: 0, budgetExhausted: false });
    expect(result.requests).toBe(server.requests.length);
    expect(result.costUsd).toBeGreaterThan(0);
    expect(await rows('backfill')).toEqual([{ status: 'ok', n: 30 }]);
    expect(await llm('backfill')).toEqual(result);

    // 30 groups in ranges of 4 is 8 ranges; 3 per execution is three executions.
    const executions: string[] = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) executions.push(execution.runId);
    expect(executions).toHaveLength(3);
  });

  it('stops cleanly at the token budget, keeping what was extracted, and says so', async () => {
    await createRun('budget', 40);
    server.requests.length = 0;
    const error = await client.workflow
      .execute(extractReviewsWorkflow, {
        taskQueue,
        workflowId: `extract-budget-${Date.now()}`,
        args: [{ runId: 'budget', rangeSize: 40, parallelRanges: 1, tokenBudget: 2_000 }],
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause!;
    expect(cause.message).toMatch(/^LLM token budget of 2000 tokens \(PERSONAFLOW_LLM_TOKEN_BUDGET\) spent/);
    const stored = await rows('budget');
    const ok = stored.find((r) => r.status === 'ok')?.n ?? 0;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(40);
    expect(ok).toBe(server.requests.length * 5); // each request carried one batch of 5, all stored
    const record = await llm('budget');
    expect(record).toMatchObject({ budgetExhausted: true, extracted: ok, skipped: 40 - ok });
    expect(Number(record.promptTokens) + Number(record.completionTokens)).toBeGreaterThanOrEqual(2_000);
  });

  const chatRequests = () => server.requests.filter((r) => r.url === '/v1/chat/completions');
  const routes = () => server.requests.map((r) => `${r.method} ${r.url.replace(/(batch|file)[-_]fake[-_]\d+/g, '$1')}`);

  it('Batch API mode: uploads, polls with timers, joins by custom_id, and retries a failed line by the normal path', async () => {
    await createRun('batchjob', 12, (i) => `Review batchjob ${i}: good quality${i === 7 ? ' <<batchfail>>' : ''}`);
    server.requests.length = 0;
    const result = await client.workflow.execute(extractReviewsWorkflow, {
      taskQueue,
      workflowId: `extract-batchjob-${Date.now()}`,
      args: [{ runId: 'batchjob', batchApi: { pollSeconds: 1 } }],
    });

    expect(result).toMatchObject({ reviews: 12, extracted: 12, failed: 0, skipped: 0 });
    expect(await rows('batchjob')).toEqual([{ status: 'ok', n: 12 }]);
    const seen = routes();
    expect(seen.slice(0, 2)).toEqual(['POST /v1/files', 'POST /v1/batches']);
    expect(seen.filter((r) => r === 'GET /v1/batches/batch').length).toBeGreaterThanOrEqual(3); // in_progress, completed, then the collect
    expect(seen).toContain('GET /v1/files/file/content');
    // Batches of 5: lines 0 and 2 came back; line 1 (reviews 5-9, with the failing one) went to the error file
    // and its five reviews were extracted by one normal request.
    expect(chatRequests()).toHaveLength(1);
    expect(JSON.parse(chatRequests()[0]!.body.messages[1].content).map((r: { id: string }) => r.id)).toEqual(
      [5, 6, 7, 8, 9].map((i) => `batchjob-r00${i}`),
    );
    expect(result.requests).toBe(3); // two answered batch lines + one direct request
  });

  it('Batch API mode: a job completed with no output file falls back to the normal path for everything', async () => {
    await createRun('nooutput', 6, (i) => `Review nooutput ${i}: fine <<batchfail>>`);
    server.requests.length = 0;
    const result = await client.workflow.execute(extractReviewsWorkflow, {
      taskQueue,
      workflowId: `extract-nooutput-${Date.now()}`,
      args: [{ runId: 'nooutput', batchApi: { pollSeconds: 1 } }],
    });
    expect(result).toMatchObject({ reviews: 6, extracted: 6, failed: 0 });
    expect(routes()).not.toContain('GET /v1/files/file/content'); // nothing to download
    expect(chatRequests()).toHaveLength(2); // 6 reviews in batches of 5
  });
});
