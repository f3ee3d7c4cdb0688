import { toFile } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { judgeReply, scrubSecret, type OpenAIExtractor } from './openai-extractor.ts';
import { emptyUsage, type ExtractionOutcome, type ExtractionUsage, type ReviewInput } from './review-features.ts';

/**
 * The OpenAI Batch API for large backfills (half the price, results within
 * 24 h): one JSONL line per review batch with `custom_id` = the batch's
 * number in its range, uploaded as a file, run as a batch, read back from
 * the output (and error) files and joined by custom_id. Items that did not
 * come back valid are simply not stored: the normal path retries them.
 */

export type BatchJobStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** Statuses after which the batch changes no more. */
export const FINAL_BATCH_STATUSES: readonly BatchJobStatus[] = ['failed', 'completed', 'expired', 'cancelled'];

/** Uploads the batches as JSONL and creates the batch job; returns its id. */
export async function submitBatchJob(extractor: OpenAIExtractor, batches: ReviewInput[][]): Promise<string> {
  const jsonl = batches
    .map((reviews, i) =>
      JSON.stringify({ custom_id: String(i), method: 'POST', url: '/v1/chat/completions', body: extractor.chatBody(reviews) }),
    )
    .join('\n');
  try {
    const file = await extractor.api.files.create({ file: await toFile(Buffer.from(`${jsonl}\n`), 'reviews.jsonl'), purpose: 'batch' });
    const job = await extractor.api.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    return job.id;
  } catch (error) {
    throw scrubSecret(error, extractor.secretForScrubbing);
  }
}

export async function batchJobStatus(extractor: OpenAIExtractor, batchId: string): Promise<BatchJobStatus> {
  try {
    return (await extractor.api.batches.retrieve(batchId)).status;
  } catch (error) {
    throw scrubSecret(error, extractor.secretForScrubbing);
  }
}

export interface BatchJobResults {
  /** Valid items only, matched back to the review ids of their batch. */
  outcomes: ExtractionOutcome[];
  usage: ExtractionUsage;
  /** Lines that came back with an error or a non-200 status, or not at all. */
  failedLines: number;
}

/**
 * Reads a finished batch job. A job that completed with no output file (every
 * line failed), or failed or expired, gives no outcomes: the normal path then
 * extracts everything.
 */
export async function readBatchJob(extractor: OpenAIExtractor, batchId: string, batches: ReviewInput[][]): Promise<BatchJobResults> {
  const usage = emptyUsage();
  const outcomes: ExtractionOutcome[] = [];
  let answeredLines = 0;
  try {
    const job = await extractor.api.batches.retrieve(batchId);
    if (job.output_file_id) {
      const text = await (await extractor.api.files.content(job.output_file_id)).text();
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        // A line that is not JSON counts as unanswered (its batch goes the normal
        // path); JSON.parse's own message would quote model output into logs.
        let item: { custom_id?: string; response?: { status_code?: number; body?: ChatCompletion } | null };
        try {
          item = JSON.parse(line);
        } catch {
          continue;
        }
        const batch = batches[Number(item.custom_id)];
        const body = item.response?.body;
        if (!batch || item.response?.status_code !== 200 || !body) continue;
        answeredLines += 1;
        usage.requests += 1;
        usage.promptTokens += body.usage?.prompt_tokens ?? 0;
        usage.completionTokens += body.usage?.completion_tokens ?? 0;
        usage.cachedPromptTokens += body.usage?.prompt_tokens_details?.cached_tokens ?? 0;
        for (const [id, verdict] of judgeReply(body, batch)) {
          if (verdict.ok) outcomes.push({ id, ok: true, features: verdict.features });
        }
      }
    }
  } catch (error) {
    throw scrubSecret(error, extractor.secretForScrubbing);
  }
  return { outcomes, usage, failedLines: batches.length - answeredLines };
}
