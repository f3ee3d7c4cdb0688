// The LLM endpoint misbehaving (PERSONAFLOW_LLM_PROVIDER=openai against our
// OpenAI-compatible test server, test/support/fake-openai-server.ts): a
// passing outage is retried within its budget and the run publishes; a reply
// that is never usable fails the run before publish (the failed-share limit);
// a bad key or model fails at once; no review text or key leaks anywhere.
import { startFakeOpenAI, type FakeScript } from '../support/fake-openai-server.ts';
import { errorLine, secondsSince, type ChaosCase, type CaseOutcome } from './case.ts';
import { API_KEY, AS_OF } from './harness.ts';

interface LlmFault {
  name: string;
  script: FakeScript;
  /** Publishes (a passing fault) or fails before publish. */
  publishes: boolean;
  /** The failure's message must say this. */
  says?: RegExp;
  /** Seconds within which the run must end. */
  withinS: number;
}

/** How long one request may wait out 429s and 5xx in these cases (PERSONAFLOW_LLM_RETRY_BUDGET_S). */
const RETRY_BUDGET_S = 20;

const FAULTS: LlmFault[] = [
  { name: '429 storm that passes', script: { fail: { count: 40, status: 429 } }, publishes: true, withinS: 120 },
  { name: `429 storm that never ends (budget ${RETRY_BUDGET_S} s)`, script: { fail: { count: 1_000_000, status: 429 } }, publishes: false, says: /429|rate limit/i, withinS: 180 },
  { name: '500 burst', script: { fail: { count: 10, status: 500 } }, publishes: true, withinS: 120 },
  { name: 'slow (2 s per reply)', script: { latencyMs: 2_000 }, publishes: true, withinS: 240 },
  { name: 'truncated replies', script: { mode: 'truncated' }, publishes: false, says: /fail/i, withinS: 180 },
  { name: 'malformed replies', script: { mode: 'malformed' }, publishes: false, says: /fail/i, withinS: 180 },
  { name: 'wrong ids', script: { mode: 'wrongIds' }, publishes: false, says: /fail/i, withinS: 180 },
  { name: 'missing items', script: { mode: 'missingItems' }, publishes: false, says: /fail/i, withinS: 180 },
  { name: 'HTML page with status 200', script: { mode: 'html200' }, publishes: false, says: /fail/i, withinS: 180 },
  { name: '401 bad key', script: { mode: 'unauthorized' }, publishes: false, says: /401|key|auth/i, withinS: 90 },
  { name: '404 unknown model', script: { mode: 'notFoundModel' }, publishes: false, says: /model/i, withinS: 90 },
  { name: '400 echoing the input', script: { mode: 'echo400' }, publishes: false, says: /400|fail/i, withinS: 180 },
];

export function llmCases(): ChaosCase[] {
  return FAULTS.map(
    (fault): ChaosCase => ({
      group: 'LLM endpoint',
      name: `LLM ${fault.name}`,
      async run(ctx): Promise<CaseOutcome> {
        const fake = await startFakeOpenAI({ retryAfterMs: 50 });
        ctx.onCleanup(() => fake.close());
        fake.setScript(fault.script);
        const store = ctx.store({
          PERSONAFLOW_LLM_PROVIDER: 'openai',
          OPENAI_BASE_URL: fake.baseURL,
          OPENAI_API_KEY: API_KEY,
          PERSONAFLOW_LLM_RETRY_BUDGET_S: String(RETRY_BUDGET_S),
        });
        const started = Date.now();
        const run = await ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', AS_OF, '--json'], {}, (fault.withinS + 60) * 1000);
        const seconds = secondsSince(started);
        const problems: string[] = [];
        if (fault.publishes && run.code !== 0) problems.push(`the run failed (exit ${run.code}): ${errorLine(run.stderr)}`);
        if (!fault.publishes) {
          if (run.code === 0) problems.push('the run published although every reply was unusable');
          else if (fault.says && !fault.says.test(run.stderr)) problems.push(`the failure does not say ${fault.says}: ${errorLine(run.stderr)}`);
        }
        if (seconds > fault.withinS) problems.push(`took ${seconds} s, goal ${fault.withinS} s`);
        const expectation = fault.publishes
          ? { published: 1, sample: ctx.suite.sample, baselineCustomers: ctx.suite.baselineCustomers }
          : { published: 0 };
        return { problems, expect: [[store, expectation]], recoverSeconds: seconds, note: `${fake.requests.length} requests` };
      },
    }),
  );
}
