/**
 * The per-customer summary every purchase-count model here reads (BG/NBD,
 * MBG/NBD, Pareto/NBD): x = repeat purchases (distinct order days minus one),
 * tx = days from the first to the last order day, T = days from the first
 * order day to the as-of day, as lifetimes' summary_data_from_transaction_data
 * with freq 'D'. The fits group customers by (x, tx, T): a business's
 * customers share few distinct triples (whole days), which keeps a fit's
 * cost in the number of triples, not of customers.
 */
export interface RepeatSummary {
  /** Repeat purchases. */
  x: number;
  /** Age at the last purchase, days (0 when x = 0). */
  tx: number;
  /** Age at the as-of time, days. */
  T: number;
}

export interface Grouped {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  total: number;
}

export function groupSummaries(rows: readonly RepeatSummary[]): Grouped {
  const counts = new Map<string, { x: number; tx: number; T: number; n: number }>();
  for (const row of rows) {
    if (!(row.x >= 0 && row.tx >= 0 && row.T >= row.tx)) {
      throw new RangeError(`bad repeat-purchase summary x=${row.x} tx=${row.tx} T=${row.T}: need x >= 0 and 0 <= tx <= T`);
    }
    const key = `${row.x}|${row.tx}|${row.T}`;
    const entry = counts.get(key);
    if (entry) entry.n++;
    else counts.set(key, { x: row.x, tx: row.tx, T: row.T, n: 1 });
  }
  const m = counts.size;
  const g: Grouped = { x: new Float64Array(m), tx: new Float64Array(m), T: new Float64Array(m), weight: new Float64Array(m), total: rows.length };
  let i = 0;
  for (const e of counts.values()) {
    g.x[i] = e.x;
    g.tx[i] = e.tx;
    g.T[i] = e.T;
    g.weight[i] = e.n;
    i++;
  }
  return g;
}
