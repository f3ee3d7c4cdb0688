/**
 * Behaviour and review features per customer, as of the run's time, in one
 * set-based DuckDB statement. `schema` comes from runSchema() (hex only);
 * the values are bound: $as_of::TIMESTAMPTZ, $extractor, $model, $prompt_version.
 *
 * Missing-value rules (customers without orders, sessions or reviews are normal):
 * - no completed order: recency_days and avg_order_value are NULL, frequency and monetary 0;
 * - no sessions: browse and session rates 0, cart_abandon_rate 0;
 * - no (successfully extracted) review: review aggregates NULL (mean_sentiment,
 *   the negative / high-intent / complaint shares), review_count 0, top_topics [];
 * - RFM scores are 1..5 among customers with a completed order (5 = most
 *   recent, most orders, most spend), from quintile cut points over the
 *   buyers' values, so equal values share a score; never-ordered customers
 *   get 0 in all three, outside the 1..5 range on purpose;
 * - no completed order: repeat_purchases, repeat_span_days, customer_age_days
 *   and order_day_spend_mean are NULL (the BG/NBD summary needs a first order);
 * - no completed order with a category: top_categories [] and top_category_shares [].
 * Rates per month are over the last 12 months, or the customer's tenure when shorter.
 * Heavy tails are not transformed here: the model's feature spec
 * (activities/model/feature-spec.ts) log-transforms and scales what it uses,
 * and the published profile keeps the readable values.
 */
export function buildFeaturesSql(schema: string): string {
  return `
CREATE OR REPLACE TABLE ${schema}.features AS
WITH
orders AS (
  SELECT customer_id, ordered_at, status, category,
         quantity * unit_price AS gross,
         least(discount, quantity * unit_price) AS discount
  FROM ${schema}.orders
),
order_stats AS (
  SELECT customer_id,
         count(*) FILTER (WHERE status = 'completed') AS frequency,
         coalesce(sum(gross - discount) FILTER (WHERE status = 'completed'), 0) AS monetary,
         max(ordered_at) FILTER (WHERE status = 'completed') AS last_order_at,
         min(ordered_at) AS first_order_at,
         count(*) AS all_orders,
         count(*) FILTER (WHERE status IN ('refunded', 'cancelled')) AS undone_orders,
         sum(gross) AS gross,
         sum(discount) AS discount,
         count(*) FILTER (WHERE discount > 0) AS discounted_orders
  FROM orders GROUP BY customer_id
),
session_stats AS (
  SELECT customer_id,
         min(started_at) AS first_session_at,
         count(*) FILTER (WHERE started_at > $as_of::TIMESTAMPTZ - INTERVAL 365 DAY) AS sessions_year,
         coalesce(sum(duration_s) FILTER (WHERE started_at > $as_of::TIMESTAMPTZ - INTERVAL 365 DAY), 0) / 60.0 AS browse_minutes_year
  FROM ${schema}.sessions GROUP BY customer_id
),
-- A cart is abandoned when no order of the customer follows within a day.
cart_stats AS (
  SELECT s.customer_id,
         count(*) AS cart_sessions,
         count(*) FILTER (WHERE NOT EXISTS (
           SELECT 1 FROM ${schema}.orders o
           WHERE o.customer_id = s.customer_id
             AND o.ordered_at BETWEEN s.started_at AND s.started_at + INTERVAL 1 DAY)) AS abandoned
  FROM ${schema}.sessions s WHERE s.added_to_cart GROUP BY s.customer_id
),
category_rank AS (
  SELECT customer_id, category,
         count(*) / sum(count(*)) OVER (PARTITION BY customer_id) AS share,
         row_number() OVER (PARTITION BY customer_id ORDER BY count(*) DESC, category) AS rank
  FROM orders WHERE status = 'completed' AND category IS NOT NULL
  GROUP BY customer_id, category
),
-- Category affinity: the top three categories and their shares of the customer's completed orders.
top_categories AS (
  SELECT customer_id, list(category ORDER BY rank) AS top_categories,
         list(round(share, 4) ORDER BY rank) AS top_category_shares
  FROM category_rank WHERE rank <= 3 GROUP BY customer_id
),
-- RFM cut points are quantiles of the buyers' values (linear interpolation), and a
-- score is 1 + the number of cut points the value exceeds: equal values always
-- get equal scores, however many customers share them (11,908 one-order
-- customers all get f_score 1, not 1, 2 or 3 by id range).
buyers AS (
  SELECT customer_id, epoch(last_order_at) AS last_order_epoch, frequency, monetary
  FROM order_stats WHERE frequency > 0
),
rfm_cuts AS (
  SELECT quantile_cont(last_order_epoch, [0.2, 0.4, 0.6, 0.8]) AS r_cuts,
         quantile_cont(frequency, [0.2, 0.4, 0.6, 0.8]) AS f_cuts,
         quantile_cont(monetary, [0.2, 0.4, 0.6, 0.8]) AS m_cuts
  FROM buyers
),
rfm_scores AS (
  SELECT customer_id,
         1 + len(list_filter(r_cuts, c -> last_order_epoch > c)) AS r_score,
         1 + len(list_filter(f_cuts, c -> frequency > c)) AS f_score,
         1 + len(list_filter(m_cuts, c -> monetary > c)) AS m_score
  FROM buyers, rfm_cuts
),
-- Repeat-purchase summary for BG/NBD and Gamma-Gamma (activities/model/clv/),
-- as lifetimes' summary_data_from_transaction_data with freq 'D': completed
-- orders are summed per UTC day; repeat_purchases = order days - 1,
-- repeat_span_days = first to last order day, customer_age_days = first order
-- day to the as-of day, order_day_spend_mean = mean spend per order day,
-- the first included (Gamma-Gamma's spend per order, see clv/customer-value.ts).
order_days AS (
  SELECT customer_id, CAST(timezone('UTC', ordered_at) AS DATE) AS day, sum(gross - discount) AS spend
  FROM orders WHERE status = 'completed' GROUP BY ALL
),
repeat_stats AS (
  SELECT customer_id,
         count(*) - 1 AS repeat_purchases,
         date_diff('day', min(day), max(day)) AS repeat_span_days,
         date_diff('day', min(day), CAST(timezone('UTC', $as_of::TIMESTAMPTZ) AS DATE)) AS customer_age_days,
         sum(spend) / count(*) AS order_day_spend_mean
  FROM order_days GROUP BY customer_id
),
reviews AS (
  SELECT r.customer_id, f.*
  FROM ${schema}.reviews r
  JOIN review_features f
    ON f.review_id = r.review_id AND f.extractor = $extractor AND f.model = $model
   AND f.prompt_version = $prompt_version AND f.status = 'ok'
),
review_stats AS (
  SELECT customer_id,
         count(*) AS review_count,
         avg(sentiment_score) AS mean_sentiment,
         avg((sentiment_label = 'negative')::INTEGER) AS negative_review_share,
         avg((purchase_intent = 'high')::INTEGER) AS high_intent_share,
         avg(quality_complaint::INTEGER) AS quality_complaint_share,
         avg(service_complaint::INTEGER) AS service_complaint_share,
         avg(price_sensitive::INTEGER) AS price_mention_share
  FROM reviews GROUP BY customer_id
),
topic_rank AS (
  SELECT customer_id, topic,
         row_number() OVER (PARTITION BY customer_id ORDER BY count(*) DESC, topic) AS rank
  FROM (SELECT customer_id, unnest(topics) AS topic FROM reviews)
  GROUP BY customer_id, topic
),
top_topics AS (
  SELECT customer_id, list(topic ORDER BY rank) AS top_topics
  FROM topic_rank WHERE rank <= 3 AND topic <> 'other' GROUP BY customer_id
),
base AS (
  SELECT c.customer_id,
         -- Tenure starts at the earliest of signup, first order and first session:
         -- guest checkouts before signup count (data contract, Bad input).
         greatest(date_diff('second',
           coalesce(least(c.signup_at, o.first_order_at, ss.first_session_at), $as_of::TIMESTAMPTZ), $as_of::TIMESTAMPTZ) / 86400.0, 0) AS tenure_days,
         o.*, ss.sessions_year, ss.browse_minutes_year, cs.cart_sessions, cs.abandoned,
         tc.top_categories, tc.top_category_shares, rs.review_count, rs.mean_sentiment, rs.negative_review_share,
         rs.high_intent_share, rs.quality_complaint_share, rs.service_complaint_share, rs.price_mention_share,
         tt.top_topics, rfm.r_score, rfm.f_score, rfm.m_score,
         rp.repeat_purchases, rp.repeat_span_days, rp.customer_age_days, rp.order_day_spend_mean
  FROM ${schema}.customers c
  LEFT JOIN order_stats o USING (customer_id)
  LEFT JOIN session_stats ss USING (customer_id)
  LEFT JOIN cart_stats cs USING (customer_id)
  LEFT JOIN top_categories tc USING (customer_id)
  LEFT JOIN review_stats rs USING (customer_id)
  LEFT JOIN top_topics tt USING (customer_id)
  LEFT JOIN rfm_scores rfm USING (customer_id)
  LEFT JOIN repeat_stats rp USING (customer_id)
)
SELECT customer_id,
       date_diff('second', last_order_at, $as_of::TIMESTAMPTZ) / 86400.0 AS recency_days,
       coalesce(frequency, 0)::INTEGER AS frequency,
       coalesce(monetary, 0)::DOUBLE AS monetary,
       CASE WHEN frequency > 0 THEN monetary / frequency END AS avg_order_value,
       CASE WHEN gross > 0 THEN discount / gross ELSE 0 END AS discount_share,
       CASE WHEN all_orders > 0 THEN undone_orders / all_orders ELSE 0 END AS refund_rate,
       -- Half how deep the discounts go (a 50% share counts as fully sensitive),
       -- half how often the customer buys only with a discount.
       CASE WHEN all_orders > 0
            THEN 0.5 * least(coalesce(discount / nullif(gross, 0), 0) * 2, 1) + 0.5 * discounted_orders / all_orders
            ELSE 0 END AS price_sensitivity,
       coalesce(browse_minutes_year, 0) / least(greatest(tenure_days / 30.44, 1), 12) AS browse_minutes_per_month,
       coalesce(sessions_year, 0) / least(greatest(tenure_days / 30.44, 1), 12) AS sessions_per_month,
       CASE WHEN cart_sessions > 0 THEN abandoned / cart_sessions ELSE 0 END AS cart_abandon_rate,
       tenure_days,
       coalesce(top_categories, []::VARCHAR[]) AS top_categories,
       coalesce(review_count, 0)::INTEGER AS review_count,
       mean_sentiment, negative_review_share, high_intent_share,
       coalesce(top_topics, []::VARCHAR[]) AS top_topics,
       coalesce(r_score, 0)::INTEGER AS r_score,
       coalesce(f_score, 0)::INTEGER AS f_score,
       coalesce(m_score, 0)::INTEGER AS m_score,
       coalesce(top_category_shares, []::DOUBLE[]) AS top_category_shares,
       quality_complaint_share, service_complaint_share, price_mention_share,
       repeat_purchases::INTEGER AS repeat_purchases, repeat_span_days::INTEGER AS repeat_span_days,
       customer_age_days::INTEGER AS customer_age_days, order_day_spend_mean::DOUBLE AS order_day_spend_mean
FROM base
ORDER BY customer_id
`;
}
