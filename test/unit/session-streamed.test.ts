import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';

describe('Session.allStreamed', () => {
  it('returns what all() returns, over many chunks and every kind of column the stages read', async () => {
    const warehouse = await Warehouse.open(':memory:');
    try {
      const rows = await warehouse.withSession(async (s) => {
        // 5,000 rows: three chunks of 2,048; bigints, lists, structs, timestamps, NULLs, decimals, a repeated name.
        const sql = `
          SELECT 'C' || lpad(i::VARCHAR, 6, '0') AS customer_id, i::BIGINT AS frequency, i / 7.0 AS recency_days,
                 CAST(i AS DECIMAL(12, 2)) AS monetary, CASE WHEN i % 3 = 0 THEN NULL ELSE i % 5 END AS maybe,
                 [i::BIGINT, 2]::BIGINT[] AS ids, {'n': i::BIGINT, 'tag': 'x'} AS nested,
                 TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS at, i % 2 = 0 AS even, 1 AS dup, 2 AS dup
          FROM range(5000) t(i) ORDER BY i`;
        return { all: await s.all(sql), streamed: await s.allStreamed(sql) };
      });
      expect(rows.streamed).toHaveLength(5000);
      expect(rows.streamed).toEqual(rows.all);
      expect(typeof rows.streamed[4999]!.frequency).toBe('number'); // bigints become numbers, as in all()
      expect(Object.keys(rows.streamed[0]!)).toEqual(Object.keys(rows.all[0]!));
    } finally {
      warehouse.close();
    }
  });
});
