import { ConfigError, ExtractFailureLimitError } from '../errors.ts';
import { literal } from '../warehouse/sql-quote.ts';
import type { Session } from '../warehouse/warehouse.ts';

/** The data contract's default: a run whose failed share of reviews is over 5% does not publish. */
export const DEFAULT_MAX_EXTRACT_FAILURE_SHARE = 0.05;

/**
 * Fails the run when too many of its reviews failed extraction. Publishing
 * then would give those customers empty review features (review_count 0,
 * no sentiment) as if they had written nothing, which is wrong data, not
 * missing data. The failed rows stay in review_features (status 'failed',
 * with their reason) and are extracted again by the next run.
 */
export async function enforceExtractFailureLimit(
  session: Session,
  input: { runId: string; reviews: number; failed: number; limit: number },
): Promise<void> {
  const { runId, reviews, failed, limit } = input;
  if (!(limit >= 0 && limit <= 1)) throw new ConfigError(`maxExtractFailureShare must be between 0 and 1, got ${limit}`);
  if (!overLimit(failed, reviews, limit)) return;
  // Reasons are the extractor's own words ("malformed JSON in reply after 3 attempts"), never review text.
  const top = await session.all<{ error: string; n: number }>(
    `SELECT coalesce(error, '(no reason)') AS error, count(*) AS n FROM review_features
     WHERE run_id = $1 AND status = 'failed' GROUP BY ALL ORDER BY n DESC, error LIMIT 3`,
    [runId],
  );
  throw new ExtractFailureLimitError(
    `review extraction failed for ${failed} of ${reviews} reviews (${percent(failed / reviews)}), over the limit of ` +
      `${percent(limit)} (PERSONAFLOW_MAX_EXTRACT_FAILURE_SHARE, or maxExtractFailureShare in the run's input); ` +
      `nothing was published; most common: ${top.map((t) => `${t.error} (${t.n})`).join(', ') || 'unknown'}. ` +
      `See: SELECT review_id, error FROM review_features WHERE run_id = ${literal(runId)} AND status = 'failed'`,
    { failed, reviews, limit },
  );
}

/** Pure: is this share over the limit? (No reviews: nothing can have failed.) */
export function overLimit(failed: number, reviews: number, limit: number): boolean {
  return reviews > 0 && failed / reviews > limit;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
