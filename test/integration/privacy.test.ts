// Privacy end to end: profileRun with the openai provider against our fake
// server, through a real worker and the real dev server. Neither the
// workflow histories (parent and extraction child) nor anything logged may
// carry review text, e-mail addresses, phone numbers or the API key.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../worker/config.ts';
import { createPersonaflowWorker, type PersonaflowWorker } from '../../worker/create-worker.ts';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { findPII } from '../../activities/llm/redact.ts';
import { profileRun } from '../../workflows/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.ts';

const AS_OF = '2026-11-01T00:00:00.000Z';
const API_KEY = 'sk-privacy-test-SECRET-7f3a9c';

// Every log line of the SDK (worker, activities, workflow logger) and of the
// process itself, captured before anything else installs a runtime.
const logged: string[] = [];
// Errors are written out whole (message and stack are not enumerable, so plain JSON would drop them).
const withErrors = (_key: string, value: unknown): unknown =>
  value instanceof Error ? { name: value.name, message: value.message, stack: value.stack, cause: value.cause } : value;
Runtime.install({
  logger: new DefaultLogger('DEBUG', (entry) => logged.push(`${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {}, withErrors)}`)),
});

/** Payload bytes as the UTF-8 text they hold, so a JSON payload can be searched. */
function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );
}

describe('privacy of the openai path', () => {
  let home: string;
  let server: FakeOpenAI;
  let worker: PersonaflowWorker;
  let running: Promise<void>;
  let client: Client;
  let source: string;
  const taskQueue = `privacy-${process.pid}-${Date.now()}`;
  const written: string[] = [];
  const originalWrites = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'personaflow-privacy-'));
    source = join(home, 'sample');
    await generateSampleData({ outDir: source, scale: 200, asOf: new Date(AS_OF) });
    server = await startFakeOpenAI({ apiKey: API_KEY });
    const config = loadConfig({
      PERSONAFLOW_HOME: home,
      PERSONAFLOW_LLM_PROVIDER: 'openai',
      PERSONAFLOW_LLM_MODEL: 'gpt-4o-mini',
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: API_KEY,
    });
    worker = await createPersonaflowWorker(config, inject('temporalAddress'), { taskQueue });
    running = worker.run();
    client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    const capture = (sink: 'out' | 'err') =>
      ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (originalWrites[sink] as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof process.stdout.write;
    process.stdout.write = capture('out');
    process.stderr.write = capture('err');
  });

  afterAll(async () => {
    process.stdout.write = originalWrites.out;
    process.stderr.write = originalWrites.err;
    worker?.shutdown();
    await running;
    await client?.connection.close();
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps review text, e-mails, phones and the API key out of workflow history and logs', async () => {
    // Two runs that fail the way leaks happen, then one that succeeds:
    // - an endpoint that answers 400 quoting the request (review text) back:
    //   every review fails, the run fails on the extraction failure limit;
    // - a 401 that echoes the key back (as some servers do): the run fails at once.
    // The failures are logged and recorded in history, exactly where a leak would show.
    const base = `privacy-${Date.now()}`;
    const run = (suffix: string) =>
      client.workflow.execute(profileRun, { taskQueue, workflowId: `${base}-${suffix}`, args: [{ source, asOf: AS_OF }] });
    server.setScript({ mode: 'echo400' });
    const echoed = await run('echo').catch((e: unknown) => e);
    expect(echoed).toBeInstanceOf(WorkflowFailedError);
    server.setScript({ mode: 'unauthorized' });
    const refused = await run('key').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    server.setScript({ mode: null });
    const result = await run('ok');
    expect(result.extraction.extractor).toBe('openai');
    expect(result.extraction.extracted).toBeGreaterThan(0);
    expect(result.extraction.promptTokens).toBeGreaterThan(0);
    expect(result.extraction.costUsd).toBeGreaterThan(0); // gpt-4o-mini is in the default price table

    const reviews = readFileSync(join(source, 'reviews.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { text: string | null; customer_id: string });
    const texts = reviews.map((r) => r.text ?? '').filter((t) => t.length >= 20);
    const pii = [...new Set(reviews.flatMap((r) => findPII(r.text ?? '')))];
    const emails = readFileSync(join(source, 'customers.csv'), 'utf8').match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? [];
    expect(texts.length).toBeGreaterThan(50);
    expect(pii.length).toBeGreaterThan(0); // the sample plants e-mails and phones in reviews
    expect(emails.length).toBeGreaterThan(0);

    // The reviews did reach the LLM (redacted), so the checks below can fail.
    const sent = JSON.stringify(server.requests.map((r) => r.body));
    expect(sent).toContain('[EMAIL]');
    for (const item of pii) expect(sent).not.toContain(item);

    // Every execution of the parent and of the extraction child (continued-as-new runs included).
    const histories: string[] = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId STARTS_WITH '${base}'` })) {
      histories.push(historyText(await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()));
    }
    expect(histories.length).toBeGreaterThanOrEqual(6);
    const history = histories.join('\n');
    expect(history).toContain('extractReviewRange'); // the fan-out is there...
    expect(history).toContain('refused the API key (401'); // ...and so are the failures
    expect(history).toContain('request refused (400 invalid_request_error');

    const logs = [...logged, ...written].join('\n');
    expect(logs).toContain('refused the API key (401');

    for (const [where, text] of [['history', history], ['logs', logs]] as const) {
      expect(text, `${where}: API key`).not.toContain(API_KEY);
      expect(text, `${where}: API key`).not.toContain('SECRET-7f3a9c');
      for (const t of texts) expect(text.includes(t), `${where}: review text "${t.slice(0, 40)}..."`).toBe(false);
      for (const item of [...pii, ...emails]) expect(text.includes(item), `${where}: personal data "${item}"`).toBe(false);
    }
  });
});
