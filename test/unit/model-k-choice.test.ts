// How k is chosen (k-choice.ts): the rule on given scores, and the whole
// selection on planted personas from the second, independent generator
// (test/support/planted-personas.ts), through the pipeline's feature SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseK, indistinctPairs, type KCandidateScore } from '../../activities/model/k-choice.ts';
import { mulberry32 } from '../../activities/model/cluster-metrics.ts';
import { fitModel } from '../../activities/model/fit-model.ts';
import { adjustedRandIndex } from '../../activities/model/cluster-metrics.ts';
import { generatePlantedPersonas, PLANTED_AS_OF } from '../support/planted-personas.ts';
import { sampleFeatures } from '../../bench/quality-features.ts';

const score = (k: number, stability: number, silhouette: number, silhouetteSd = 0.005): KCandidateScore => ({
  k,
  stability,
  stabilitySd: 0.01,
  silhouette,
  silhouetteSd,
});

describe('chooseK', () => {
  it('takes the best silhouette among stable k', () => {
    const choice = chooseK([score(3, 0.95, 0.4), score(4, 0.97, 0.5), score(5, 0.6, 0.55)]);
    expect(choice.k).toBe(4);
    expect(choice.ambiguous).toBe(false);
    expect(choice.reason).toMatch(/best silhouette/);
  });

  it('prefers the smaller k within one standard error of the best', () => {
    const choice = chooseK([score(5, 0.95, 0.5, 0.01), score(6, 0.95, 0.505, 0.01), score(7, 0.9, 0.3)]);
    expect(choice.k).toBe(5);
    expect(choice.reason).toMatch(/within one standard error/);
  });

  it('says so and takes the smallest k when no k is clearly better', () => {
    const choice = chooseK([score(3, 0.9, 0.27, 0.02), score(4, 0.9, 0.28, 0.02), score(5, 0.9, 0.275, 0.02)]);
    expect(choice).toMatchObject({ k: 3, ambiguous: true });
    expect(choice.reason).toMatch(/no k is clearly better/);
  });

  it('falls back to the most stable k when none reproduces', () => {
    const choice = chooseK([score(3, 0.5, 0.3), score(4, 0.6, 0.2), score(5, 0.4, 0.35)]);
    expect(choice).toMatchObject({ k: 4, ambiguous: true });
    expect(choice.reason).toMatch(/no k reproduced/);
  });
});

describe('indistinctPairs', () => {
  const random = mulberry32(3);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const blob = (n: number, cx: number) => Array.from({ length: n }, () => [cx + gauss(), gauss(), gauss()]);

  it('keeps two separated groups and flags one group cut in two', () => {
    const two = [...blob(400, 0), ...blob(400, 8)];
    const twoLabels = two.map((r) => (r[0]! < 4 ? 0 : 1));
    expect(indistinctPairs(two, twoLabels, [[0, 0, 0], [8, 0, 0]], 1)).toEqual([]);
    const one = blob(800, 0);
    const cut = one.map((r) => (r[0]! < 0 ? 0 : 1));
    const centroid = (c: number) => [0, 1, 2].map((j) => one.filter((_, i) => cut[i] === c).reduce((s, r) => s + r[j]!, 0) / cut.filter((l) => l === c).length);
    expect(indistinctPairs(one, cut, [centroid(0), centroid(1)], 1)).toEqual([[0, 1]]);
  });
});

describe('automatic k on planted personas from an independent generator', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'personaflow-planted-'));
    generatePlantedPersonas({ outDir: dir, customers: 2500, seed: 11 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the six planted personas and records why', async () => {
    const { rows, truth } = await sampleFeatures(dir, PLANTED_AS_OF.toISOString());
    const personas = [...new Set(truth.values())].sort();
    expect(personas).toHaveLength(6);
    const planted = rows.map((r) => personas.indexOf(truth.get(r.customer_id)!));
    const model = fitModel(rows);
    expect(model.segmentation.k).toBe(6);
    expect(adjustedRandIndex(model.segmentation.assignments, planted)).toBeGreaterThan(0.8);
    const choice = model.segmentation.metrics.kChoice;
    expect(choice.method).toBe('bootstrap-stability+one-se-silhouette');
    expect(choice.candidates.map((c) => c.k)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(choice.reason).toContain('k = 6');
    // A fixed k is recorded as such.
    expect(fitModel(rows, { k: 4 }).segmentation.metrics.kChoice).toMatchObject({ method: 'fixed', k: 4 });
  }, 120_000);
});
