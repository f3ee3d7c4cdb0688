import { extractFeatures } from '../offline-extractor.ts';
import { TOPICS, type ReviewFeatures } from '../review-features.ts';
import { predictSentiment, prototypeIntent, prototypeTopics, type ReviewHeads } from './heads.ts';

export interface EmbeddedJudgement {
  features: ReviewFeatures;
  /** The sentiment head's probability for its answer: the cascade sends reviews below its threshold on to the LLM. */
  confidence: number;
}

type Topic = (typeof TOPICS)[number];

/**
 * One review's features from its embedding and text. How each field is made:
 * - sentiment_label, sentiment_score: the trained sentiment head (real labels),
 *   whose inputs are the embedding and the rules' own score;
 * - topics: the rules' lexicon topics plus the topic prototypes that fire;
 * - price_sensitive: a price cue of the rules, or the price topic;
 * - quality_complaint / service_complaint: the rules' complaint, or a negative
 *   review whose topics include quality/durability / customer_service;
 * - purchase_intent, intent_cue: the rules' cue when there is one (it quotes
 *   the review); else the nearest intent prototype, with no cue, and "high"
 *   never for a review the head calls negative;
 * - keywords, language: the rules.
 */
export function embeddedFeatures(heads: ReviewHeads, text: string, vector: Float32Array): EmbeddedJudgement {
  const rules = extractFeatures(text);
  const sentiment = predictSentiment(heads, vector, rules.sentiment_score, rules.language);
  const negative = sentiment.label === 'negative';

  const found = new Set<Topic>(rules.topics.filter((t) => t !== 'other'));
  for (const topic of prototypeTopics(heads, vector)) found.add(topic);
  const topics = TOPICS.filter((t) => found.has(t));

  let purchase_intent = rules.purchase_intent;
  let intent_cue = rules.intent_cue;
  if (intent_cue === null) {
    const level = prototypeIntent(heads, vector);
    purchase_intent = level === 'high' && negative ? 'none' : (level ?? 'none');
    intent_cue = null;
  }

  return {
    confidence: sentiment.confidence,
    features: {
      sentiment_label: sentiment.label,
      sentiment_score: Math.round(sentiment.score * 1000) / 1000,
      purchase_intent,
      intent_cue,
      topics: topics.length > 0 ? topics : ['other'],
      keywords: rules.keywords,
      price_sensitive: rules.price_sensitive || found.has('price'),
      quality_complaint: rules.quality_complaint || (negative && (found.has('quality') || found.has('durability'))),
      service_complaint: rules.service_complaint || (negative && found.has('customer_service')),
      language: rules.language,
    },
  };
}
