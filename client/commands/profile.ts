import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { withOutputsSession } from '../outputs-reader.ts';
import { textTable } from '../text-table.ts';
import { DataError } from '../cli-errors.ts';

const PROFILE_SQL = `
  SELECT p.version, p.as_of, p.segment_id, p.segment_name, p.value_tier, p.churn_risk,
         p.recency_days, p.frequency, p.monetary, p.price_sensitivity, p.review_count,
         p.mean_sentiment, p.top_categories, p.top_topics
  FROM profiles p
  WHERE p.customer_id = $1
  ORDER BY p.version`;

/** `personaflow profile <customer_id>`: one customer across every kept version. */
export function registerProfile(program: Command): void {
  program
    .command('profile')
    .argument('<customerId>')
    .option('--json', 'print the rows as a JSON array')
    .action(async (customerId: string, options: { json?: boolean }) => {
      const rows = await withOutputsSession(loadConfig().lake, (s) => s.all(PROFILE_SQL, [customerId]));
      if (rows.length === 0) throw new DataError(`no profile for customer ${customerId} in any kept version`);
      console.log(options.json ? JSON.stringify(rows, null, 2) : textTable(rows));
    });
}
