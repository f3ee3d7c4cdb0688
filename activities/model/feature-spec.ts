import type { FeatureRow, NumericFeatureName } from './feature-row.ts';

/**
 * The features k-means clusters on, in matrix column order, with how each one
 * is transformed and how a missing value is filled. The spec is plain data so a
 * model version can store it next to its scaler and centroids; changing any
 * entry means a new FEATURE_SPEC_VERSION (old centroids no longer apply).
 *
 * Pipeline per value: null -> `missing`; clamp to [`min`, `max`]; transform.
 * The standard scaler (scaler.ts) then runs on the transformed columns.
 *
 * Customers without reviews or sessions are normal, not broken rows: their
 * missing values are filled with the value that means "no signal" (neutral
 * sentiment, zero shares) and the count columns (review_count, frequency,
 * sessions_per_month) still tell the model that the signal is absent.
 *
 * `top_categories` is categorical and is left out of the distance: it is used
 * to describe segments, not to form them.
 */
export const FEATURE_SPEC_VERSION = 'feature-spec/v2';

export type FeatureTransform = 'log1p' | 'none';

export interface FeatureSpecEntry {
  name: NumericFeatureName;
  transform: FeatureTransform;
  /**
   * Value used when the field is null; null when the field is never null;
   * 'median' for the median of the non-null values of the training rows,
   * fitted with fitFills and stored with the model version like the scaler.
   */
  missing: number | 'median' | null;
  /** Lower clamp applied before the transform (log1p needs values >= 0). */
  min?: number;
  /** Upper clamp applied before the transform. */
  max?: number;
  /** Why the entry looks the way it does. */
  note: string;
}

/** Never-ordered customers sit at this recency; real recencies are capped here too. */
export const RECENCY_CAP_DAYS = 730;

export const FEATURE_SPEC: readonly FeatureSpecEntry[] = [
  {
    name: 'recency_days',
    transform: 'log1p',
    // A customer who never ordered is treated as "as lapsed as we measure":
    // the cap, not tenure (a new never-ordered customer is not "recent").
    // frequency = 0 still separates "never" from "long ago".
    missing: RECENCY_CAP_DAYS,
    min: 0,
    max: RECENCY_CAP_DAYS,
    note: 'null (never ordered) -> 730 days; capped at 730 so the filled value is the extreme; log1p because recency is right-skewed',
  },
  {
    name: 'frequency',
    transform: 'log1p',
    missing: null,
    min: 0,
    note: 'order counts are heavy-tailed; log1p keeps 0 at 0',
  },
  {
    name: 'monetary',
    transform: 'log1p',
    missing: null,
    // Discounts can exceed the line value in odd data; spend below 0 means "nothing".
    min: 0,
    note: 'clamped at 0 (discount larger than value), then log1p: spend is heavy-tailed',
  },
  {
    name: 'avg_order_value',
    transform: 'log1p',
    // No orders means the basket size is unknown, not tiny. Filling 0 put
    // non-buyers at an extreme no buyer has, and k-means then split the window
    // shoppers into "never bought" and "bought once or twice" (measured on the
    // planted personas, see docs/segmentation.md and `npm run bench -- quality`).
    // frequency = 0 carries "never bought".
    missing: 'median',
    min: 0,
    note: "null (no orders) -> the buyers' median (fitted, stored with the model); log1p: basket sizes are heavy-tailed",
  },
  {
    name: 'discount_share',
    transform: 'none',
    missing: null,
    min: 0,
    max: 1,
    note: 'already a 0..1 share',
  },
  {
    name: 'refund_rate',
    transform: 'none',
    missing: null,
    min: 0,
    max: 1,
    note: 'already a 0..1 share; 0 when there are no orders',
  },
  {
    name: 'price_sensitivity',
    transform: 'none',
    missing: null,
    min: 0,
    max: 1,
    note: '0..1 score from SQL',
  },
  {
    name: 'browse_minutes_per_month',
    transform: 'log1p',
    missing: null,
    min: 0,
    note: 'no sessions is normal and is 0; log1p: heavy-tailed',
  },
  {
    name: 'sessions_per_month',
    transform: 'log1p',
    missing: null,
    min: 0,
    note: 'no sessions is normal and is 0; log1p: heavy-tailed',
  },
  {
    name: 'cart_abandon_rate',
    transform: 'none',
    missing: null,
    min: 0,
    max: 1,
    note: 'already a 0..1 share; 0 when the customer never added to cart',
  },
  {
    name: 'tenure_days',
    transform: 'log1p',
    missing: null,
    min: 0,
    note: 'log1p: the difference between 10 and 100 days matters more than between 1000 and 1090',
  },
  {
    name: 'review_count',
    transform: 'log1p',
    missing: null,
    min: 0,
    note: 'most customers write no reviews (0 is normal); log1p: heavy-tailed',
  },
  {
    name: 'mean_sentiment',
    transform: 'none',
    // No reviews = no opinion expressed: neutral, the midpoint of -1..1.
    missing: 0,
    min: -1,
    max: 1,
    note: 'null (no reviews) -> 0, neutral; review_count = 0 tells the model it is absent',
  },
  {
    name: 'negative_review_share',
    transform: 'none',
    missing: 0,
    min: 0,
    max: 1,
    note: 'null (no reviews) -> 0: no negative reviews were written',
  },
  {
    name: 'high_intent_share',
    transform: 'none',
    missing: 0,
    min: 0,
    max: 1,
    note: 'null (no reviews) -> 0: no high-intent reviews were written',
  },
];

/** Column names of the matrix built from FEATURE_SPEC, in order. */
export const FEATURE_NAMES: readonly NumericFeatureName[] = FEATURE_SPEC.map((f) => f.name);

/** Fitted fill values of the 'median' entries, by feature name; stored with the model version. */
export type FeatureFills = Record<string, number>;

/**
 * The median of the non-null values of each 'median' entry over `rows` (0 when
 * no row has a value, e.g. a data set without a single order).
 */
export function fitFills(rows: readonly FeatureRow[], spec: readonly FeatureSpecEntry[] = FEATURE_SPEC): FeatureFills {
  const fills: FeatureFills = {};
  for (const entry of spec) {
    if (entry.missing !== 'median') continue;
    const values: number[] = [];
    for (const row of rows) {
      const raw: unknown = row[entry.name];
      const value = typeof raw === 'bigint' ? Number(raw) : raw;
      if (typeof value === 'number' && Number.isFinite(value)) values.push(value);
    }
    values.sort((a, b) => a - b);
    const mid = values.length >> 1;
    fills[entry.name] =
      values.length === 0 ? 0 : values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  }
  return fills;
}

/**
 * One raw value through its spec entry: fill, clamp, transform. Throws a
 * RangeError naming the customer and field when a value is not a finite number
 * (or is null where the spec says it never is). BIGINT values are accepted.
 */
export function transformValue(row: FeatureRow, entry: FeatureSpecEntry, fills: FeatureFills = {}): number {
  // unknown, not number | null: DuckDB hands BIGINT columns over as bigint.
  const raw: unknown = row[entry.name];
  let value: number;
  if (raw === null || raw === undefined) {
    if (entry.missing === null) {
      throw new RangeError(`feature ${entry.name} of customer ${row.customer_id} is null, but it is never null by contract`);
    }
    if (entry.missing === 'median') {
      const fill = fills[entry.name];
      if (fill === undefined) throw new RangeError(`feature ${entry.name} has no fitted fill value (see fitFills)`);
      value = fill;
    } else {
      value = entry.missing;
    }
  } else if (typeof raw === 'bigint') {
    value = Number(raw);
  } else if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    throw new RangeError(`feature ${entry.name} of customer ${row.customer_id} is not a finite number: ${String(raw)}`);
  } else {
    value = raw;
  }
  if (entry.min !== undefined && value < entry.min) value = entry.min;
  if (entry.max !== undefined && value > entry.max) value = entry.max;
  return entry.transform === 'log1p' ? Math.log1p(value) : value;
}
