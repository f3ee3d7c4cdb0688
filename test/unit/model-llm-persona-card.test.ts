import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../worker/config.ts';
import { OpenAIPersonaCardWriter, cardMessage, createPersonaCardWriter } from '../../activities/model/llm-persona-card.ts';
import { buildSegmentCards, type SegmentCardInput } from '../../activities/model/segment-cards.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import type { FeatureRow } from '../../activities/model/feature-row.ts';

/** A chat completions endpoint that answers with `reply()` and keeps the request bodies. */
let reply: () => string = () => '';
const bodies: string[] = [];
let server: Server;
let baseURL: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 0,
          model: 'm',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: reply() } }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const config = () => loadConfig({ PERSONAFLOW_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: baseURL, PERSONAFLOW_LLM_MAX_ATTEMPTS: '1' }).llm;

const input: SegmentCardInput = {
  segmentId: 3,
  size: 50,
  total: 200,
  means: { monetary: 900, frequency: 12 },
  population: { monetary: 300, frequency: 4 },
  facts: { size: 50, neverOrderedShare: 0, repeatShare: 1, steadyShare: 0.8, lapsedShare: 0, categoryShare: 1, reviewedShare: 0.5, medianRecency: 12 },
  reasons: ['spent 900 in total (typical: 300)'],
  sampleReviews: ['Great shoes, mail me at jane.doe@example.com'],
  ruleCard: { name: 'Loyal high spenders', description: 'Rule card.', suggestedActions: ['a'] },
};

const goodCard = JSON.stringify({
  name: 'Devoted big spenders',
  description: 'A quarter of customers who buy often. They spend three times the average.',
  suggested_actions: ['Invite them to a VIP tier', 'Ask for referrals'],
});

describe('OpenAIPersonaCardWriter', () => {
  it('writes a card from structured output and never sends personal data', async () => {
    reply = () => goodCard;
    const [card] = await new OpenAIPersonaCardWriter(config()).write([input]);
    expect(card).toEqual({
      name: 'Devoted big spenders',
      description: 'A quarter of customers who buy often. They spend three times the average.',
      suggestedActions: ['Invite them to a VIP tier', 'Ask for referrals'],
    });
    const sent = bodies.at(-1)!;
    expect(sent).toContain('"json_schema"');
    expect(sent).not.toContain('jane.doe@example.com');
    expect(cardMessage(input)).toContain('"share_of_customers":0.25');
  });

  it('rejects a reply that breaks the schema', async () => {
    reply = () => JSON.stringify({ name: 'X', description: 'short', suggested_actions: [] });
    await expect(new OpenAIPersonaCardWriter(config()).write([input])).rejects.toThrow();
  });

  it('is only configured for the openai provider', () => {
    expect(createPersonaCardWriter(loadConfig({}).llm)).toBeUndefined();
    expect(createPersonaCardWriter(config())).toBeInstanceOf(OpenAIPersonaCardWriter);
  });
});

describe('buildSegmentCards', () => {
  const row = (id: string, monetary: number): FeatureRow & Record<string, unknown> => ({
    customer_id: id,
    recency_days: 5,
    frequency: 3,
    monetary,
    avg_order_value: monetary / 3,
    discount_share: 0,
    refund_rate: 0,
    price_sensitivity: 0,
    browse_minutes_per_month: 1,
    sessions_per_month: 1,
    cart_abandon_rate: 0,
    tenure_days: 100,
    review_count: 0,
    mean_sentiment: null,
    negative_review_share: null,
    high_intent_share: null,
    top_categories: [],
  });

  it('uses the writer when it answers and the rule-based cards when it fails', async () => {
    const warehouse = await Warehouse.open(':memory:');
    try {
      await warehouse.withSession(async (s) => {
        await s.run('CREATE SCHEMA run_x; CREATE TABLE run_x.reviews (review_id VARCHAR, customer_id VARCHAR, text VARCHAR)');
        await s.run(`INSERT INTO run_x.reviews VALUES ('r1', 'a', 'love it')`);
        const rows = [row('a', 100), row('b', 120), row('c', 5000)];
        const reasons = { features: [['monetary', 'frequency'], ['monetary', 'frequency']], typical: { monetary: 120, frequency: 1 } };
        const segments = [
          { segmentId: 4, members: [0, 1] },
          { segmentId: 9, members: [2] },
        ];
        reply = () => goodCard;
        const seen: SegmentCardInput[][] = [];
        const writer = new OpenAIPersonaCardWriter(config());
        const spy = { name: 'openai', write: (inputs: readonly SegmentCardInput[]) => (seen.push([...inputs]), writer.write(inputs)) };
        const written = await buildSegmentCards(s, 'run_x', rows, segments, reasons, spy);
        expect(written.map((c) => [c.segmentId, c.source, c.size])).toEqual([
          [4, 'openai', 2],
          [9, 'openai', 1],
        ]);
        // Names stay unique, told apart by what separates the segments, never by a number.
        expect(written.map((c) => c.name)).toEqual(['Devoted big spenders, smaller baskets', 'Devoted big spenders, bigger baskets']);
        expect(written[0]!.reasons).toEqual(['spent 110 in total (typical: 120)', 'completed orders: 3 (typical: 1)']);
        expect(seen[0]![0]!.sampleReviews).toEqual(['love it']);

        reply = () => 'not json';
        const errors: unknown[] = [];
        const fallback = await buildSegmentCards(s, 'run_x', rows, segments, reasons, writer, (e) => errors.push(e));
        expect(fallback.every((c) => c.source === 'rules')).toBe(true);
        expect(errors).toHaveLength(1);
      });
    } finally {
      warehouse.close();
    }
  });
});
