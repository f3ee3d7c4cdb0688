// Crashes: the worker process SIGKILLed in each stage and restarted 5 s later;
// the Temporal dev server SIGKILLed in a stage and restarted 30 s later on
// the same port and SQLite file. Goal: the run moves again within 60 s of the
// restart and publishes exactly one whole version.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDevServer, readDevServerRecord, stopDetachedDevServer } from '../../client/dev-server.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { freePort } from '../support/free-port.ts';
import type { ChaosCase, CaseOutcome } from './case.ts';
import { API_KEY, kill, sleep, waitForFile, type CaseContext, type ScaleSpec } from './harness.ts';
import { awaitRun, secondsToFirstEventAfter, startRun } from './runs.ts';

const RECOVERY_GOAL_S = 60;

type Stage = 'load' | 'extract' | 'features' | 'train' | 'publish';

/**
 * How to catch a run in a stage: load, features and train hold (heartbeating)
 * through PERSONAFLOW_TEST_HOLD_IN_STAGE once their work is done; publish holds
 * after its commit (PERSONAFLOW_TEST_HOLD_AFTER_PUBLISH_COMMIT); extraction is
 * caught while our OpenAI-compatible server answers slowly.
 */
async function holdIn(
  ctx: CaseContext,
  stage: Stage,
  marker: string,
  holdMs: number | 'forever',
): Promise<{ env: Record<string, string>; holdEnv: Record<string, string>; reached: () => Promise<void>; release?: () => void }> {
  if (stage === 'extract') {
    const fake = await startFakeOpenAI({ latencyMs: 1_500 });
    ctx.onCleanup(() => fake.close());
    return {
      env: {
        PERSONAFLOW_LLM_PROVIDER: 'openai',
        OPENAI_BASE_URL: fake.baseURL,
        OPENAI_API_KEY: API_KEY,
        PERSONAFLOW_LLM_BATCH_SIZE: '5',
        PERSONAFLOW_LLM_CONCURRENCY: '1',
      },
      holdEnv: {},
      reached: async () => {
        for (let i = 0; fake.requests.length === 0; i++) {
          if (i > 1_800) throw new Error('extraction never started');
          await sleep(100);
        }
      },
      // The fault is the kill, not the latency: the restarted worker gets quick replies.
      release: () => fake.setScript({ latencyMs: 0 }),
    };
  }
  const holdEnv: Record<string, string> =
    stage === 'publish'
      ? { PERSONAFLOW_TEST_HOLD_AFTER_PUBLISH_COMMIT: marker }
      : { PERSONAFLOW_TEST_HOLD_IN_STAGE: `${stage}:${holdMs}:${marker}` };
  return { env: {}, holdEnv, reached: () => waitForFile(marker, `stage ${stage}`).then(() => undefined) };
}

function workerKill(stage: Stage): ChaosCase {
  return {
    group: 'worker SIGKILL',
    name: `worker SIGKILL in ${stage}, restart after 5 s`,
    async run(ctx): Promise<CaseOutcome> {
      const marker = join(ctx.suite.root, `${ctx.caseName.replace(/\W+/g, '-')}.marker`);
      const hold = await holdIn(ctx, stage, marker, 'forever');
      const store = ctx.store(hold.env);
      const doomed = await ctx.worker(store, hold.holdEnv);
      const workflowId = await startRun(ctx, store, ctx.suite.sample.dir);
      await hold.reached();
      await kill(doomed, 'SIGKILL');
      hold.release?.();
      await sleep(5_000);
      const restartedAt = Date.now();
      await ctx.worker(store);
      const { error } = await awaitRun(ctx, store, workflowId);
      const recoverSeconds = await secondsToFirstEventAfter(ctx, store, restartedAt);
      const problems = error ? [`the run failed: ${error}`] : [];
      if (recoverSeconds === undefined || recoverSeconds > RECOVERY_GOAL_S) problems.push(`recovery took ${recoverSeconds ?? '∞'} s, goal ${RECOVERY_GOAL_S} s`);
      return { problems, expect: [[store, { published: 1, sample: ctx.suite.sample, baselineCustomers: ctx.suite.baselineCustomers }]], recoverSeconds };
    },
  };
}

function serverKill(stage: 'load' | 'features' | 'train'): ChaosCase {
  return {
    group: 'dev-server SIGKILL',
    name: `dev server SIGKILL in ${stage}, restart after 30 s`,
    async run(ctx): Promise<CaseOutcome> {
      const serverHome = mkdtempSync(join(ctx.suite.root, 'server-'));
      const ports = { port: await freePort(), uiPort: await freePort() };
      const startServer = () => ensureDevServer({ home: serverHome, ...ports, portsFixed: true, namespace: 'default', detached: true });
      const server = await startServer();
      ctx.onCleanup(() => void stopDetachedDevServer(serverHome));
      const marker = join(serverHome, 'stage.marker');
      const store = ctx.store({}, server.address);
      // The stage holds 4 s after its work, so it completes while the server is down.
      const worker = await ctx.worker(store, { PERSONAFLOW_TEST_HOLD_IN_STAGE: `${stage}:4000:${marker}` });
      const workflowId = await startRun(ctx, store, ctx.suite.sample.dir);
      await waitForFile(marker, `stage ${stage}`);
      process.kill(readDevServerRecord(serverHome)!.pid, 'SIGKILL');
      await sleep(30_000);
      const restartedAt = Date.now();
      await startServer();
      const { error } = await awaitRun(ctx, store, workflowId);
      const recoverSeconds = await secondsToFirstEventAfter(ctx, store, restartedAt);
      const problems = error ? [`the run failed: ${error}`] : [];
      if (worker.child.exitCode !== null) problems.push(`the worker did not ride out the outage (exit ${worker.child.exitCode})`);
      if (recoverSeconds === undefined || recoverSeconds > RECOVERY_GOAL_S) problems.push(`recovery took ${recoverSeconds ?? '∞'} s, goal ${RECOVERY_GOAL_S} s`);
      return { problems, expect: [[store, { published: 1, sample: ctx.suite.sample, baselineCustomers: ctx.suite.baselineCustomers }]], recoverSeconds };
    },
  };
}

export function crashCases(scale: ScaleSpec): ChaosCase[] {
  const stages: Stage[] = ['load', 'extract', 'features', 'train', 'publish'];
  return [...stages.map(workerKill), ...scale.serverStages.map(serverKill)];
}
