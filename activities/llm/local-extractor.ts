import { existsSync } from 'node:fs';
import { getLlama, LlamaChatSession, LlamaLogLevel, type Llama, type LlamaContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import { ConfigError } from '../errors.ts';
import { LOCAL_FEATURES_GRAMMAR_SCHEMA, LOCAL_SYSTEM_PROMPT } from './prompt.ts';
import {
  ReviewFeaturesSchema,
  emptyUsage,
  type BatchResult,
  type ExtractionOutcome,
  type ReviewFeatureExtractor,
  type ReviewInput,
} from './review-features.ts';

export interface LocalExtractorOptions {
  /** A GGUF file. */
  modelPath: string;
  /** Recorded as `model` in review_features (default: the file name). */
  model: string;
  /** Parallel sequences per context: their tokens are decoded together in one batch (default 2). */
  sequences?: number;
  /** Tokens of reply per review before it is cut off (and recorded as failed). */
  maxTokens?: number;
  /**
   * CPU threads of the context (default 1). llama.cpp's threads spin-wait for
   * each other: on a 2-core machine shared with the Temporal server, DuckDB
   * and vitest, 2 threads measured over 20 times slower than 1 for the same
   * 30 tokens. Parallelism across cores comes from separate contexts.
   */
  threads?: number;
  /**
   * Contexts of the model, each with its own thread(s) and sequences (default 1).
   * Separate contexts decode independently, so two single-threaded contexts
   * can keep two cores busy where one two-threaded context spin-waits.
   */
  contexts?: number;
}

interface Loaded {
  llama: Llama;
  llamaModel: LlamaModel;
  contexts: LlamaContext[];
  grammar: LlamaGrammar;
  sessions: LlamaChatSession[];
}

/**
 * A real small LLM in-process with node-llama-cpp: CPU only, never builds
 * llama.cpp (the prebuilt @node-llama-cpp/linux-x64 binary is used), output
 * constrained by a JSON-schema grammar and validated by zod all the same.
 * One review per prompt; reviews of a batch (and of concurrent batches) share
 * a pool of sequences, one chat session each.
 */
export class LocalExtractor implements ReviewFeatureExtractor {
  readonly name = 'local';
  readonly model: string;
  private loading: Promise<Loaded> | undefined;
  private readonly free: LlamaChatSession[] = [];
  private readonly waiting: Array<(session: LlamaChatSession) => void> = [];

  constructor(private readonly options: LocalExtractorOptions) {
    if (!existsSync(options.modelPath)) {
      throw new ConfigError(
        `local model file ${options.modelPath} does not exist (PERSONAFLOW_LOCAL_MODEL; \`PERSONAFLOW_LLM_PROVIDER=local npm run bootstrap\` fetches SmolLM2-135M-Instruct)`,
      );
    }
    this.model = options.model;
  }

  async extractBatch(reviews: ReviewInput[], signal?: AbortSignal): Promise<BatchResult> {
    const usage = emptyUsage();
    if (reviews.length === 0) return { outcomes: [], usage };
    const loaded = await this.load();
    const outcomes = await Promise.all(
      reviews.map(async (review): Promise<ExtractionOutcome> => {
        const session = await this.take();
        try {
          signal?.throwIfAborted();
          const meter = session.sequence.tokenMeter.getState();
          session.resetChatHistory();
          const text = await session.prompt(review.text, {
            grammar: loaded.grammar,
            maxTokens: this.options.maxTokens ?? 200,
            temperature: 0,
            signal,
          });
          const used = session.sequence.tokenMeter.diff(meter);
          usage.requests += 1;
          usage.promptTokens += used.usedInputTokens;
          usage.completionTokens += used.usedOutputTokens;
          return judge(review.id, text);
        } finally {
          this.give(session);
        }
      }),
    );
    return { outcomes, usage };
  }

  /** Frees the model and the native backend. */
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (!loading) return;
    const loaded = await loading;
    for (const context of loaded.contexts) await context.dispose();
    await loaded.llamaModel.dispose();
    await loaded.llama.dispose();
  }

  private load(): Promise<Loaded> {
    this.loading ??= (async () => {
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
      const llamaModel = await llama.loadModel({ modelPath: this.options.modelPath });
      const sequences = this.options.sequences ?? 2;
      const contexts: LlamaContext[] = [];
      for (let c = 0; c < (this.options.contexts ?? 1); c++) {
        contexts.push(
          await llamaModel.createContext({ sequences, contextSize: 1024 * sequences, threads: this.options.threads ?? 1 }),
        );
      }
      const grammar = await llama.createGrammarForJsonSchema(LOCAL_FEATURES_GRAMMAR_SCHEMA as never);
      const sessions = contexts.flatMap((context) =>
        Array.from(
          { length: sequences },
          () => new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: LOCAL_SYSTEM_PROMPT }),
        ),
      );
      this.free.push(...sessions);
      return { llama, llamaModel, contexts, grammar, sessions };
    })();
    return this.loading;
  }

  private take(): Promise<LlamaChatSession> {
    const session = this.free.pop();
    if (session) return Promise.resolve(session);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(session: LlamaChatSession): void {
    const next = this.waiting.shift();
    if (next) next(session);
    else this.free.push(session);
  }
}

/** The grammar makes the reply JSON of the right shape unless it was cut off; zod checks the ranges. */
function judge(id: string, text: string): ExtractionOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { id, ok: false, error: 'malformed JSON from the local model (cut off at the token limit?)' };
  }
  const checked = ReviewFeaturesSchema.safeParse(parsed);
  if (checked.success) return { id, ok: true, features: checked.data };
  const issue = checked.error.issues[0];
  return { id, ok: false, error: `invalid field ${issue?.path.join('.') ?? '(item)'}: ${issue?.message ?? 'invalid'}` };
}
