// Review texts for the extraction benchmarks: the sample generator's reviews
// (redacted, as extraction sends them) with their planted labels.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../scripts/sample-data/generate.ts';
import { redactPII } from '../activities/llm/redact.ts';

export interface LabelledReview {
  id: string;
  text: string;
  sentiment: string;
  purchaseIntent: string;
}

/** The labelled reviews of a fresh sample (seeded, so every run sees the same ones), in file order. */
export async function labelledReviews(scale = 2_000): Promise<LabelledReview[]> {
  const dir = mkdtempSync(join(tmpdir(), 'personaflow-bench-reviews-'));
  try {
    await generateSampleData({ outDir: dir, scale, asOf: new Date('2026-11-01T00:00:00Z') });
    const labels = new Map<string, { sentiment: string; purchaseIntent: string }>();
    for (const line of readFileSync(join(dir, '_truth', 'review_labels.csv'), 'utf8').trim().split('\n').slice(1)) {
      const [id, sentiment, purchaseIntent] = line.split(',');
      labels.set(id!, { sentiment: sentiment!, purchaseIntent: purchaseIntent! });
    }
    const out: LabelledReview[] = [];
    for (const line of readFileSync(join(dir, 'reviews.jsonl'), 'utf8').trim().split('\n')) {
      const row = JSON.parse(line) as { review_id: string; text: string | null };
      const label = labels.get(row.review_id);
      if (label && row.text) out.push({ id: row.review_id, text: redactPII(row.text), ...label });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
