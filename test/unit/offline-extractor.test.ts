import { describe, expect, it } from 'vitest';
import { OfflineExtractor, detectLanguage, extractFeatures } from '../../activities/llm/offline-extractor.ts';
import { ReviewFeaturesSchema, TOPICS } from '../../activities/llm/review-features.ts';

describe('OfflineExtractor', () => {
  it('answers every review with schema-valid features and zero usage', async () => {
    const extractor = new OfflineExtractor();
    expect([extractor.name, extractor.model]).toEqual(['offline', 'rules-v1']);
    const texts = [
      'Great quality, fast delivery. Will buy again!',
      '',
      '!!!',
      '[EMAIL] [PHONE]',
      '质量很好，物流很快，会回购',
      'meh',
      'x'.repeat(5000),
    ];
    const result = await extractor.extractBatch(texts.map((text, i) => ({ id: `r${i}`, text })));
    expect(result.usage).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 });
    expect(result.outcomes.map((o) => o.id)).toEqual(texts.map((_, i) => `r${i}`));
    for (const outcome of result.outcomes) {
      expect(outcome.ok).toBe(true);
      if (outcome.ok) expect(ReviewFeaturesSchema.parse(outcome.features)).toEqual(outcome.features);
    }
  });

  it('reads a positive English review', () => {
    const f = extractFeatures('Great quality, fast delivery. Will buy again!');
    expect(f.sentiment_label).toBe('positive');
    expect(f.sentiment_score).toBeGreaterThan(0.5);
    expect(f.purchase_intent).toBe('high');
    expect(f.intent_cue).toBe('buy again');
    expect(f.topics).toEqual(['quality', 'delivery']);
    expect(f.keywords).toContain('great');
    expect(f.quality_complaint).toBe(false);
    expect(f.language).toBe('en');
  });

  it('reads a negative English review with a quality complaint', () => {
    const f = extractFeatures('Not good. The strap broke after two days, a waste of money.');
    expect(f.sentiment_label).toBe('negative');
    expect(f.topics).toEqual(['price', 'durability']);
    expect(f.quality_complaint).toBe(true);
    expect(f.price_sensitive).toBe(true);
    expect(f.keywords).toEqual(expect.arrayContaining(['not good', 'broke', 'waste of money']));
  });

  it('handles English negation', () => {
    expect(extractFeatures('good').sentiment_label).toBe('positive');
    expect(extractFeatures('not good').sentiment_label).toBe('negative');
    expect(extractFeatures("it isn't very comfortable").sentiment_label).toBe('negative');
    expect(extractFeatures('not bad at all').sentiment_label).toBe('positive');
    expect(extractFeatures('no problems so far').sentiment_label).toBe('positive');
    expect(extractFeatures('not worth it').sentiment_score).toBeLessThan(0);
  });

  it('flags service complaints and negated purchase intent', () => {
    const f = extractFeatures('Customer service was rude and never replied. I will not buy again.');
    expect(f.service_complaint).toBe(true);
    expect(f.topics).toContain('customer_service');
    expect(f.purchase_intent).toBe('none');
    expect(f.intent_cue).toBe('will not buy');
  });

  it('gives low intent for hesitant buyers and keeps complaints to their clause', () => {
    const f = extractFeatures('Too expensive, I might buy it when it goes on sale. The quality is great but shipping was slow.');
    expect(f.purchase_intent).toBe('low');
    expect(f.price_sensitive).toBe(true);
    expect(f.quality_complaint).toBe(false);
    expect(f.topics).toEqual(['price', 'quality', 'delivery']);
  });

  it('reads Chinese reviews', () => {
    const good = extractFeatures('质量很好，物流很快，会回购');
    expect(good).toMatchObject({
      sentiment_label: 'positive',
      purchase_intent: 'high',
      intent_cue: '回购',
      topics: ['quality', 'delivery'],
      language: 'zh',
    });

    const bad = extractFeatures('质量太差了，用了两天就坏了，客服态度也很差，不会再买');
    expect(bad).toMatchObject({
      sentiment_label: 'negative',
      purchase_intent: 'none',
      intent_cue: '不会再买',
      quality_complaint: true,
      service_complaint: true,
      language: 'zh',
    });
  });

  it('handles Chinese negation', () => {
    expect(extractFeatures('好').sentiment_label).toBe('positive');
    expect(extractFeatures('不好').sentiment_label).toBe('negative');
    expect(extractFeatures('不太满意').sentiment_label).toBe('negative');
    expect(extractFeatures('不是很喜欢').sentiment_label).toBe('negative');
    expect(extractFeatures('不错').sentiment_label).toBe('positive');
    expect(extractFeatures('没有问题').sentiment_label).toBe('positive');
    expect(extractFeatures('不好').keywords).toEqual(['不好']);
    expect(extractFeatures('价格不贵，很划算').price_sensitive).toBe(true);
    expect(extractFeatures('价格不贵，很划算').sentiment_label).toBe('positive');
  });

  it('says neutral, other and none when nothing matches', () => {
    expect(extractFeatures('I received it on Tuesday.')).toMatchObject({
      sentiment_label: 'neutral',
      sentiment_score: 0,
      purchase_intent: 'none',
      intent_cue: null,
      topics: ['other'],
      keywords: [],
      price_sensitive: false,
      quality_complaint: false,
      service_complaint: false,
    });
  });

  it('detects the dominant language', () => {
    expect(detectLanguage('Great product')).toBe('en');
    expect(detectLanguage('这个product很好')).toBe('zh');
    expect(detectLanguage('I bought it in 北京 last week and it works fine')).toBe('en');
    expect(detectLanguage('很好 [EMAIL] [PHONE]')).toBe('zh');
  });

  it('only uses topics from the taxonomy', () => {
    const f = extractFeatures('price quality delivery support size packaging easy durable refund');
    expect(f.topics).toEqual(TOPICS.filter((t) => t !== 'other'));
  });

  // Speed is measured by `npm run bench`, not asserted here.
  it('is deterministic', async () => {
    const extractor = new OfflineExtractor();
    const reviews = Array.from({ length: 2_000 }, (_, i) => ({
      id: String(i),
      text: i % 2 ? `Review ${i}: not good, the zipper broke and support never replied.` : `第${i}条：质量不错，物流很快，会回购`,
    }));
    const first = await extractor.extractBatch(reviews);
    expect((await extractor.extractBatch(reviews)).outcomes).toEqual(first.outcomes);
  });
});
