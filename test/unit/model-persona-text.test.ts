// Persona card text against the card's own figures, on the bundled sample
// data and on an orders-only data set without categories (no sessions, no
// reviews), through the pipeline's feature SQL, fitModel and the card builder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { generatePlantedPersonas, PLANTED_AS_OF } from '../support/planted-personas.ts';
import { pipelineFeatures } from '../../bench/quality-features.ts';
import { fitModel } from '../../activities/model/fit-model.ts';
import { buildSegmentCards, meansOf, type SegmentCard } from '../../activities/model/segment-cards.ts';
import { reasonModel } from '../../activities/model/segment-reasons.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import type { FeatureRow } from '../../activities/model/feature-row.ts';

const SAMPLE_AS_OF = '2026-11-01T00:00:00.000Z';

async function cardsFor(source: string, asOf: string): Promise<{ cards: SegmentCard[]; rows: FeatureRow[]; members: number[][] }> {
  const rows = await pipelineFeatures(source, asOf);
  const model = fitModel(rows);
  const members: number[][] = model.segmentation.centroids.map(() => []);
  model.segmentation.assignments.forEach((c, i) => members[c]!.push(i));
  const warehouse = await Warehouse.open(':memory:');
  try {
    const cards = await warehouse.withSession((s) =>
      buildSegmentCards(
        s,
        'unused',
        rows as Array<FeatureRow & Record<string, unknown>>,
        members.map((m, c) => ({ segmentId: c, members: m })),
        reasonModel(rows as Array<FeatureRow & Record<string, unknown>>, model.segmentation.centroids),
      ),
    );
    return { cards, rows, members };
  } finally {
    warehouse.close();
  }
}

/** Every way a card may print one of its own figures. */
function ownFigures(card: SegmentCard, means: Record<string, number>, total: number): Set<string> {
  const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const one = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const out = new Set<string>([whole.format(card.size), whole.format(total), String(Math.round((card.size / total) * 100))]);
  for (const v of Object.values(means)) {
    out.add(whole.format(v)).add(one.format(v)).add(String(Math.round(v * 100))).add(v.toFixed(2));
  }
  const f = card.facts;
  for (const share of [f.neverOrderedShare, f.steadyShare, 1 - f.repeatShare]) out.add(String(Math.round(share * 100)));
  if (f.medianRecency !== undefined) out.add(whole.format(f.medianRecency));
  return out;
}

function checkCards(cards: SegmentCard[], rows: FeatureRow[], members: number[][]): void {
  const names = cards.map((c) => c.name);
  expect(new Set(names).size).toBe(names.length);
  for (const name of names) expect(name).not.toMatch(/\(\d+\)/);
  cards.forEach((card, c) => {
    // The card's means are its own segment's, recomputed here from its members.
    const own = meansOf(members[c]!.map((i) => rows[i]! as unknown as Record<string, unknown>));
    for (const [key, v] of Object.entries(card.means)) expect(v).toBeCloseTo(own[key]!, 2);
    const figures = ownFigures(card, own, rows.length);
    for (const n of card.description.match(/-?\d[\d,]*(\.\d+)?/g) ?? []) expect(figures, `${n} in "${card.description}"`).toContain(n);
    const actions = card.suggestedActions.join(' ');
    if (card.facts.categoryShare < 0.5) expect(actions).not.toMatch(/categor/i);
    if ((card.means.negative_review_share ?? 0) < 0.2) expect(actions).not.toMatch(/complain/i);
    if ((card.means.cart_abandon_rate ?? 0) < 0.3) expect(actions).not.toMatch(/cart/i);
    if (card.facts.neverOrderedShare >= 0.5) expect(card.name).toMatch(/never ordered/);
    if (/steady/i.test(card.name)) expect(card.facts.steadyShare).toBeGreaterThanOrEqual(0.5);
    expect(card.reasons.length).toBeGreaterThanOrEqual(2);
    expect(card.reasons.length).toBeLessThanOrEqual(3);
  });
}

describe('persona card text', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'personaflow-cards-'));
    await generateSampleData({ outDir: join(dir, 'sample'), scale: 800, asOf: new Date(SAMPLE_AS_OF), dirty: false });
    // Orders only, without categories: the planted generator's customers and orders, category column dropped.
    generatePlantedPersonas({ outDir: join(dir, 'planted'), customers: 1500, seed: 5 });
    mkdirSync(join(dir, 'orders-only'));
    writeFileSync(join(dir, 'orders-only', 'customers.csv'), readFileSync(join(dir, 'planted', 'customers.csv')));
    const orders = readFileSync(join(dir, 'planted', 'orders.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(',').filter((_, i) => i !== 3).join(','));
    writeFileSync(join(dir, 'orders-only', 'orders.csv'), `${orders.join('\n')}\n`);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches the card figures on the sample data', async () => {
    const { cards, rows, members } = await cardsFor(join(dir, 'sample'), SAMPLE_AS_OF);
    checkCards(cards, rows, members);
    expect(cards.some((c) => /Lapsed|never ordered/.test(c.name))).toBe(true);
  }, 120_000);

  it('matches the card figures on orders only, with no category, cart or review actions', async () => {
    const { cards, rows, members } = await cardsFor(join(dir, 'orders-only'), PLANTED_AS_OF.toISOString());
    checkCards(cards, rows, members);
    const actions = cards.flatMap((c) => c.suggestedActions).join(' ');
    expect(actions).not.toMatch(/categor|cart|complain/i);
    for (const card of cards) expect(card.description).not.toMatch(/visit|browse|review/);
  }, 120_000);
});
