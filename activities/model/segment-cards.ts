import type { Session } from '../warehouse/warehouse.ts';
import { CARD_FEATURES } from './card-features.ts';
import type { FeatureRow } from './feature-row.ts';
import { describeSegment, nameSegments, type PersonaCard } from './persona-card.ts';
import { businessFacts, segmentFacts, type SegmentFacts } from './segment-facts.ts';
import { segmentReasons, type ReasonModel } from './segment-reasons.ts';

/**
 * Persona cards of one model version: the rule-based card for every segment,
 * replaced by a card writer's (an LLM's) where one is configured and it
 * answers; any failure of the writer keeps the rule-based cards, so a run
 * never fails or publishes nameless segments because of the LLM.
 */
export interface SegmentCardInput {
  segmentId: number;
  size: number;
  total: number;
  /** Raw (unscaled) means of CARD_FEATURES over the segment and over everyone. */
  means: Record<string, number>;
  population: Record<string, number>;
  /** Shares measured on the segment's own customers (never ordered, steady, lapsed, with categories, reviewing). */
  facts: SegmentFacts;
  /** The segment's reasons (segment-reasons.ts): its medians of the features that set it apart. */
  reasons: string[];
  /** A few reviews of the segment's most typical customers, redacted by the writer before sending. */
  sampleReviews: string[];
  /** The rule-based card, for the writer to fall back on or improve. */
  ruleCard: PersonaCard;
}

export interface PersonaCardWriter {
  readonly name: string;
  write(inputs: readonly SegmentCardInput[]): Promise<PersonaCard[]>;
}

export interface SegmentCard extends PersonaCard {
  segmentId: number;
  size: number;
  means: Record<string, number>;
  /** The two or three features that most set the segment apart, with its median and the population's. */
  reasons: string[];
  /** The segment's own shares and median recency the card's name and text rest on. */
  facts: SegmentFacts;
  /** 'rules' or the writer's name. */
  source: string;
}

export interface CardSegment {
  segmentId: number;
  /** Row indexes of the members, most typical (nearest the centroid) first. */
  members: number[];
}

/** Reviews of the given customers, a few per customer, in customer order then review id. */
async function sampleReviews(s: Session, schema: string, customerIds: string[], limit: number): Promise<string[]> {
  if (customerIds.length === 0) return [];
  const rows = await s.all<{ text: string }>(
    `SELECT r.text FROM ${schema}.reviews r
     JOIN (SELECT unnest($ids::VARCHAR[]) AS customer_id, generate_subscripts($ids::VARCHAR[], 1) AS position) c USING (customer_id)
     ORDER BY c.position, r.review_id LIMIT ${Math.trunc(limit)}`,
    { ids: JSON.stringify(customerIds) },
  );
  return rows.map((r) => r.text);
}

export async function buildSegmentCards(
  s: Session,
  schema: string,
  rows: readonly (FeatureRow & Record<string, unknown>)[],
  segments: readonly CardSegment[],
  reasons: ReasonModel,
  writer?: PersonaCardWriter,
  onError?: (error: unknown) => void,
): Promise<SegmentCard[]> {
  const population = meansOf(rows);
  const spread = spreadOf(rows, population);
  const business = businessFacts(rows);
  const inputs = segments.map(({ segmentId, members }, index) => {
    const memberRows = members.map((i) => rows[i]!);
    const means = meansOf(memberRows);
    const facts = segmentFacts(memberRows, business);
    return {
      segmentId,
      size: members.length,
      total: rows.length,
      means,
      population,
      facts,
      sampleReviews: [] as string[],
      reasons: segmentReasons(reasons, index, memberRows),
      ruleCard: describeSegment({ means, population, facts, business }, rows.length),
    };
  });
  let cards: PersonaCard[] = inputs.map((input) => input.ruleCard);
  let source = 'rules';
  if (writer !== undefined) {
    try {
      for (const [index, input] of inputs.entries()) {
        const typical = segments[index]!.members.slice(0, 20).map((i) => rows[i]!.customer_id);
        input.sampleReviews = await sampleReviews(s, schema, typical, 5);
      }
      const written = await writer.write(inputs);
      if (written.length !== inputs.length) throw new Error(`card writer returned ${written.length} cards for ${inputs.length} segments`);
      cards = written;
      source = writer.name;
    } catch (error) {
      onError?.(error);
    }
  }
  return nameSegments(cards, inputs.map((input) => input.means), spread).map((card, index) => ({
    ...card,
    segmentId: inputs[index]!.segmentId,
    size: inputs[index]!.size,
    means: round(inputs[index]!.means),
    reasons: inputs[index]!.reasons,
    facts: inputs[index]!.facts,
    source,
  }));
}

export async function writeSegmentCards(s: Session, schema: string, cards: readonly SegmentCard[]): Promise<void> {
  await s.run(
    `CREATE OR REPLACE TABLE ${schema}.segment_cards (segment_id INTEGER, name VARCHAR, description VARCHAR,
       size INTEGER, feature_means JSON, suggested_actions VARCHAR[], segment_reasons VARCHAR[])`,
  );
  for (const card of cards) {
    await s.run(
      `INSERT INTO ${schema}.segment_cards VALUES ($id, $name, $description, $size, $means::JSON, $actions::JSON::VARCHAR[], $reasons::JSON::VARCHAR[])`,
      {
        id: card.segmentId,
        name: card.name,
        description: card.description,
        size: card.size,
        means: JSON.stringify(card.means),
        actions: JSON.stringify(card.suggestedActions),
        reasons: JSON.stringify(card.reasons),
      },
    );
  }
}

/**
 * Mean of each card feature over rows, skipping nulls (no reviews, no orders);
 * a feature no row has (say recency in a segment that never ordered) is left out.
 */
export function meansOf(rows: ReadonlyArray<Record<string, unknown>>): Record<string, number> {
  const means: Record<string, number> = {};
  for (const name of CARD_FEATURES) {
    let sum = 0;
    let n = 0;
    for (const row of rows) {
      const value = row[name];
      if (typeof value === 'number' && Number.isFinite(value)) {
        sum += value;
        n += 1;
      }
    }
    if (n > 0) means[name] = sum / n;
  }
  return means;
}

/** Population standard deviation of each card feature (over rows with a value): the scale nameSegments compares on. */
export function spreadOf(rows: ReadonlyArray<Record<string, unknown>>, means: Record<string, number>): Record<string, number> {
  const spread: Record<string, number> = {};
  for (const name of CARD_FEATURES) {
    const mean = means[name];
    if (mean === undefined) continue;
    let sum = 0;
    let n = 0;
    for (const row of rows) {
      const value = row[name];
      if (typeof value === 'number' && Number.isFinite(value)) {
        sum += (value - mean) ** 2;
        n += 1;
      }
    }
    if (n > 1) spread[name] = Math.sqrt(sum / (n - 1));
  }
  return spread;
}

function round(means: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(means).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}
