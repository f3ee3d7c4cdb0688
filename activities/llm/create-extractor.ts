import type { LlmConfig } from '../../worker/config.ts';
import { ConfigError } from '../errors.ts';
import { OfflineExtractor } from './offline-extractor.ts';
import { LocalExtractor } from './local-extractor.ts';
import { OpenAIExtractor } from './openai-extractor.ts';
import type { ReviewFeatureExtractor } from './review-features.ts';

/** The one place that maps the configured provider to an extractor. */
export function createExtractor(config: LlmConfig): ReviewFeatureExtractor {
  const provider: string = config.provider;
  switch (provider) {
    case 'offline':
      return new OfflineExtractor();
    case 'openai':
      return new OpenAIExtractor(config);
    case 'local':
      if (!config.localModelPath) throw new ConfigError('the local provider needs PERSONAFLOW_LOCAL_MODEL (a GGUF file)');
      return new LocalExtractor({ modelPath: config.localModelPath, model: config.model, sequences: config.localSequences, contexts: config.localContexts });
    default:
      throw new ConfigError(`unknown LLM provider "${provider}": expected offline, openai or local`);
  }
}
