import type { Rng } from './prng.ts';

/**
 * Deliberately broken rows, so loaders can be tested against the contract's
 * "reject, record, never drop silently" rule. Bad rows are extra rows written
 * after good ones; they never replace or alter a good row, and every decision
 * comes from the separate "dirty" random stream, so the good data are the same
 * whether or not dirt is planted. Customers are never dirtied: the customer
 * count must stay exact.
 */

export const BAD_KINDS = {
  orders: [
    'negative_unit_price',
    'zero_quantity',
    'unknown_status',
    'unknown_customer',
    'duplicate_order_id',
    'negative_discount',
  ],
  sessions: ['negative_duration', 'negative_page_views', 'unknown_customer', 'duplicate_session_id'],
  reviews: ['empty_text', 'rating_out_of_range', 'unknown_customer', 'duplicate_review_id'],
} as const;

export type DirtyTable = keyof typeof BAD_KINDS;
export type BadKind<T extends DirtyTable> = (typeof BAD_KINDS)[T][number];

/** The reason written to _truth/bad_rows.csv for each kind. */
export const BAD_REASONS: Record<string, string> = {
  negative_unit_price: 'unit_price < 0',
  zero_quantity: 'quantity < 1',
  unknown_status: 'status not one of completed, cancelled, refunded',
  unknown_customer: 'customer_id not in customers',
  duplicate_order_id: 'duplicate order_id (exact repeat of the previous row; the first occurrence is good)',
  negative_discount: 'discount < 0',
  negative_duration: 'duration_s < 0',
  negative_page_views: 'page_views < 0',
  duplicate_session_id: 'duplicate session_id (exact repeat of the previous row; the first occurrence is good)',
  empty_text: 'text is empty',
  rating_out_of_range: 'rating not in 1..5',
  duplicate_review_id: 'duplicate review_id (exact repeat of the previous row; the first occurrence is good)',
};

/** Share of good rows followed by a bad one, per table: well under 1%. */
export const BAD_RATE: Record<DirtyTable, number> = { orders: 0.001, sessions: 0.0005, reviews: 0.002 };

/**
 * Decides, after each good row of one table, whether a bad row follows and of
 * which kind. The first bad rows cycle through every kind (one every
 * `warmupEvery` good rows) so even a tiny sample has one of each; after that
 * kinds are drawn at random at the table's rate.
 */
export class BadRowPlanter<K extends string> {
  private goodRows = 0;
  planted = 0;

  constructor(
    private readonly rng: Rng | undefined,
    private readonly kinds: readonly K[],
    private readonly rate: number,
    private readonly warmupEvery: number,
  ) {}

  /** Call after every good row; returns the kind of bad row to write next, if any. */
  next(): K | undefined {
    if (!this.rng) return undefined;
    this.goodRows++;
    const warmup = this.planted < this.kinds.length && this.goodRows % this.warmupEvery === 0;
    // Always draw, so the stream advances the same way whether or not warm-up fired.
    const random = this.rng.chance(this.rate);
    if (!warmup && !random) return undefined;
    const kind = this.planted < this.kinds.length ? this.kinds[this.planted] : this.rng.pick(this.kinds);
    this.planted++;
    return kind;
  }
}
