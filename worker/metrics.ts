import { Runtime, type ActivityInboundCallsInterceptor, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { ActivityExecuteInput, Next } from '@temporalio/worker';
import type { MetricMeter } from '@temporalio/common';

/**
 * personaflow's own metrics, beside the Temporal SDK's on the worker's
 * Prometheus endpoint (PERSONAFLOW_METRICS_PORT). They go through the SDK's
 * metric meter rather than prom-client: one exporter, one port, one scrape
 * target, and no second HTTP server in the worker. Recorded by one activity
 * interceptor from each activity's duration, outcome and (small) result, so
 * no stage has to remember to count. Names get the prometheus exporter's
 * usual treatment (counters without a _total suffix, as the SDK's own).
 */
export interface PersonaflowMetrics {
  interceptor: ActivityInterceptorsFactory;
}

type Counts = { loaded?: unknown; rejected?: unknown };

export function createMetrics(meter: MetricMeter = Runtime.instance().metricMeter): PersonaflowMetrics {
  const duration = meter.createHistogram('personaflow_activity_duration', 'int', 'ms', 'time each personaflow activity (stage) took');
  const failures = meter.createCounter('personaflow_activity_failures', '1', 'activity attempts that failed, by activity and error type');
  const rowsLoaded = meter.createCounter('personaflow_rows_loaded', '1', 'source rows loaded, by table');
  const rowsRejected = meter.createCounter('personaflow_rows_rejected', '1', 'source rows rejected by the data contract, by table');
  const llmTokens = meter.createCounter('personaflow_llm_tokens', '1', 'LLM tokens spent on review extraction, by kind (prompt, completion, cached_prompt)');
  const llmRequests = meter.createCounter('personaflow_llm_requests', '1', 'LLM requests of review extraction');
  const reviews = meter.createCounter('personaflow_reviews', '1', 'reviews by outcome (extracted, cache_hit, failed, skipped)');
  const published = meter.createCounter('personaflow_versions_published', '1', 'profile versions published');

  function record(activity: string, result: unknown): void {
    if (!result || typeof result !== 'object') return;
    const r = result as Record<string, unknown>;
    if (activity === 'loadSources' && r.tables && typeof r.tables === 'object') {
      for (const [table, counts] of Object.entries(r.tables as Record<string, Counts | null>)) {
        if (typeof counts?.loaded === 'number') rowsLoaded.add(counts.loaded, { table });
        if (typeof counts?.rejected === 'number') rowsRejected.add(counts.rejected, { table });
      }
    }
    if (activity === 'recordExtraction') {
      const n = (key: string) => (typeof r[key] === 'number' ? (r[key] as number) : 0);
      llmTokens.add(n('promptTokens'), { kind: 'prompt' });
      llmTokens.add(n('completionTokens'), { kind: 'completion' });
      llmTokens.add(n('cachedPromptTokens'), { kind: 'cached_prompt' });
      llmRequests.add(n('requests'));
      reviews.add(n('extracted'), { outcome: 'extracted' });
      reviews.add(n('cacheHits'), { outcome: 'cache_hit' });
      reviews.add(n('failed'), { outcome: 'failed' });
      reviews.add(n('skipped'), { outcome: 'skipped' });
    }
    if (activity === 'publishVersion') published.add(1);
  }

  class Inbound implements ActivityInboundCallsInterceptor {
    constructor(private readonly activity: string) {}
    async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
      const started = Date.now();
      try {
        const result = await next(input);
        duration.record(Date.now() - started, { activity: this.activity, outcome: 'completed' });
        // Counting must never fail an activity that succeeded.
        try {
          record(this.activity, result);
        } catch {
          // ignore
        }
        return result;
      } catch (error) {
        duration.record(Date.now() - started, { activity: this.activity, outcome: 'failed' });
        const type = (error as { type?: unknown })?.type ?? (error as Error)?.name ?? 'unknown';
        failures.add(1, { activity: this.activity, error: String(type) });
        throw error;
      }
    }
  }

  return { interceptor: (ctx) => ({ inbound: new Inbound(ctx.info.activityType) }) };
}
