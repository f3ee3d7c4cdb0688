import type { LlmConfig } from '../../worker/config.ts';
import { e5Paths } from '../../scripts/e5-model.mjs';
import { ConfigError } from '../errors.ts';
import { CascadeExtractor } from './cascade-extractor.ts';
import { EmbeddedExtractor } from './embedded/embedded-extractor.ts';
import { OfflineExtractor } from './offline-extractor.ts';
import { LocalExtractor } from './local-extractor.ts';
import { OpenAIExtractor } from './openai-extractor.ts';
import type { ReviewFeatureExtractor } from './review-features.ts';

/** The one place that maps the configured provider to an extractor. */
export function createExtractor(config: LlmConfig): ReviewFeatureExtractor {
  const provider: string = config.provider;
  switch (provider) {
    case 'embedded':
      return embedded(config);
    case 'offline':
      return new OfflineExtractor();
    case 'openai': {
      const llm = new OpenAIExtractor(config);
      return config.cascadeThreshold === undefined ? llm : new CascadeExtractor(embedded(config), llm, config.cascadeThreshold);
    }
    case 'local':
      if (!config.localModelPath) throw new ConfigError('the local provider needs PERSONAFLOW_LOCAL_MODEL (a GGUF file)');
      return new LocalExtractor({ modelPath: config.localModelPath, model: config.model, sequences: config.localSequences, contexts: config.localContexts });
    default:
      throw new ConfigError(`unknown LLM provider "${provider}": expected embedded, offline, openai or local`);
  }
}

function embedded(config: LlmConfig): EmbeddedExtractor {
  const paths = e5Paths(config.e5Dir, config.e5Engine);
  return new EmbeddedExtractor({ encoder: { library: paths.library, model: paths.model } });
}
