import type { FeatureRow } from './feature-row.ts';
import { FEATURE_SPEC } from './feature-spec.ts';
import { quantileSorted } from './profile-rules.ts';

/**
 * Why a customer is in their segment: the two or three clustered features on
 * which the segment's centroid sits furthest from the population (in the
 * model's scaled space, where 1 = one standard deviation of the transformed
 * feature, so what counts is what the distance counts), as plain phrases with
 * a value and the population's median: "last order 412 days ago (typical: 35)".
 * A profile quotes the customer's own values; a persona card its segment's
 * median.
 */
export const REASON_RULES = {
  /** A feature is a reason when its centroid is at least this far from the population mean (scaled units). */
  minDistance: 0.5,
  max: 3,
  /** Always give at least this many, even when no feature reaches minDistance. */
  min: 2,
} as const;

type Row = Readonly<Record<string, unknown>>;

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const pct = (v: number): string => `${Math.round(v * 100)}%`;

/** Phrase per feature: value -> text, and the text for a missing value (no orders, no reviews). */
const PHRASES: Record<string, { say: (value: string, typical: string) => string; format: (v: number) => string; missing: string }> = {
  recency_days: { say: (v, t) => `last order ${v} days ago (typical: ${t})`, format: (v) => whole.format(v), missing: 'never ordered' },
  frequency: { say: (v, t) => `completed orders: ${v} (typical: ${t})`, format: (v) => oneDecimal.format(v), missing: 'no orders' },
  monetary: { say: (v, t) => `spent ${v} in total (typical: ${t})`, format: (v) => whole.format(v), missing: 'no spend' },
  avg_order_value: { say: (v, t) => `${v} per order (typical: ${t})`, format: (v) => whole.format(v), missing: 'no completed order' },
  discount_share: { say: (v, t) => `${v} of order value as discount (typical: ${t})`, format: pct, missing: 'no orders' },
  refund_rate: { say: (v, t) => `${v} of orders refunded or cancelled (typical: ${t})`, format: pct, missing: 'no orders' },
  price_sensitivity: { say: (v, t) => `price sensitivity ${v} (typical: ${t})`, format: (v) => v.toFixed(2), missing: 'no orders' },
  browse_minutes_per_month: { say: (v, t) => `browses ${v} minutes a month (typical: ${t})`, format: (v) => oneDecimal.format(v), missing: 'no browsing' },
  sessions_per_month: { say: (v, t) => `${v} visits a month (typical: ${t})`, format: (v) => oneDecimal.format(v), missing: 'no visits' },
  cart_abandon_rate: { say: (v, t) => `abandons ${v} of carts (typical: ${t})`, format: pct, missing: 'no carts' },
  tenure_days: { say: (v, t) => `customer for ${v} days (typical: ${t})`, format: (v) => whole.format(v), missing: 'no tenure' },
  review_count: { say: (v, t) => `reviews written: ${v} (typical: ${t})`, format: (v) => oneDecimal.format(v), missing: 'no reviews' },
  mean_sentiment: { say: (v, t) => `review sentiment ${v} (typical: ${t})`, format: (v) => v.toFixed(2), missing: 'no reviews' },
  negative_review_share: { say: (v, t) => `${v} of reviews negative (typical: ${t})`, format: pct, missing: 'no reviews' },
  high_intent_share: { say: (v, t) => `${v} of reviews show high purchase intent (typical: ${t})`, format: pct, missing: 'no reviews' },
};

export interface ReasonModel {
  /** Per segment (index as in centroids), the features that set it apart, most distinct first. */
  features: string[][];
  /** Population median per feature (over customers with a value). */
  typical: Record<string, number>;
}

function median(rows: readonly Row[], name: string): number | undefined {
  const values = Float64Array.from(
    rows.map((r) => r[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
  ).sort();
  return values.length > 0 ? quantileSorted(values, 0.5) : undefined;
}

/** The reason features of each centroid (scaled space, FEATURE_SPEC column order) and the population medians. */
export function reasonModel(rows: readonly Row[], centroids: readonly (readonly number[])[]): ReasonModel {
  const typical: Record<string, number> = {};
  for (const { name } of FEATURE_SPEC) {
    const m = median(rows, name);
    if (m !== undefined) typical[name] = m;
  }
  const features = centroids.map((centroid) => {
    const ranked = FEATURE_SPEC.map((entry, j) => ({ name: entry.name as string, distance: Math.abs(centroid[j]!) }))
      .filter((f) => f.name in PHRASES)
      .sort((a, b) => b.distance - a.distance || (a.name < b.name ? -1 : 1));
    const strong = ranked.filter((f) => f.distance >= REASON_RULES.minDistance).slice(0, REASON_RULES.max);
    return (strong.length >= REASON_RULES.min ? strong : ranked.slice(0, REASON_RULES.min)).map((f) => f.name);
  });
  return { features, typical };
}

/** One phrase: the value (or what its absence means) against the population median. */
export function reasonPhrase(name: string, value: unknown, typical: Record<string, number>): string {
  const phrase = PHRASES[name];
  if (phrase === undefined) throw new RangeError(`no reason phrase for feature ${name}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) return phrase.missing;
  const t = typical[name];
  return phrase.say(phrase.format(value), t === undefined ? 'n/a' : phrase.format(t));
}

/** A customer's reasons: their own values of their segment's reason features. */
export function customerReasons(model: ReasonModel, segment: number, row: Row | FeatureRow): string[] {
  return model.features[segment]!.map((name) => reasonPhrase(name, (row as Row)[name], model.typical));
}

/** A segment's reasons: its members' medians of the same features (a missing value when most members have none). */
export function segmentReasons(model: ReasonModel, segment: number, members: readonly Row[]): string[] {
  return model.features[segment]!.map((name) => {
    const present = members.filter((r) => typeof r[name] === 'number').length;
    return reasonPhrase(name, present * 2 > members.length ? median(members, name) : undefined, model.typical);
  });
}
