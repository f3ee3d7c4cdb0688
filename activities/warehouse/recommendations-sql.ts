/**
 * recommended_categories per customer: the top categories of the customer's
 * segment (ranked by how many of its customers bought them, then by name) that
 * the customer has not bought yet, up to three, taken from the segment's top
 * five so a recommendation is always something the segment really favours.
 * Empty when the customer already buys all of them. `schema` comes from
 * runSchema() (hex only); it needs the run's orders and assignments tables.
 */
export function recommendationsSql(schema: string): string {
  return `
UPDATE ${schema}.assignments AS a SET recommended_categories = r.categories
FROM (
  WITH bought AS (
    SELECT DISTINCT customer_id, category FROM ${schema}.orders
    WHERE status = 'completed' AND category IS NOT NULL
  ),
  segment_top AS (
    SELECT x.segment_id, b.category,
           row_number() OVER (PARTITION BY x.segment_id ORDER BY count(*) DESC, b.category) AS rank
    FROM bought b JOIN ${schema}.assignments x USING (customer_id)
    GROUP BY x.segment_id, b.category
  )
  SELECT y.customer_id, list(t.category ORDER BY t.rank)[1:3] AS categories
  FROM ${schema}.assignments y
  JOIN segment_top t ON t.segment_id = y.segment_id AND t.rank <= 5
  WHERE NOT EXISTS (SELECT 1 FROM bought b WHERE b.customer_id = y.customer_id AND b.category = t.category)
  GROUP BY y.customer_id
) AS r
WHERE a.customer_id = r.customer_id`;
}
