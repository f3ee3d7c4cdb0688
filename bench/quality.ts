import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RandomForestClassifier } from 'ml-random-forest';
import { generateSampleData, DEFAULT_AS_OF, SAMPLE_FILES } from '../scripts/sample-data/generate.ts';
import { adjustedRandIndex } from '../activities/model/cluster-metrics.ts';
import { fitModel } from '../activities/model/fit-model.ts';
import { trainTestSplit } from '../activities/model/classifier.ts';
import { classifierScores } from '../activities/model/classifier-metrics.ts';
import { sampleFeatures } from './quality-features.ts';
import { plantedCases } from './quality-planted.ts';

/**
 * `npm run bench -- quality [--scales small,medium] [--dir <folder>] [--forest]
 *    [--planted-sizes 5000,20000] [--planted-seeds 1,2,3] [--planted-fixed]`
 *
 * Then automatic k on the independent generator's planted personas
 * (quality-planted.ts; goal ARI >= 0.9 in every case; --planted-fixed also
 * prints the best ARI any fixed k reaches), and the goals table.
 *
 * Segmentation quality on the generator's planted personas, through the
 * pipeline's own load, offline extraction, feature SQL and fitModel:
 * - ARI between found segments and planted personas (goal >= 0.8);
 * - stability: ARI between two fits with different seeds (goal >= 0.95);
 * - the assignment classifier's held-out accuracy and macro-F1 (goal >= 0.9);
 * - with --forest, ml-random-forest on the same split, for comparison.
 * Sample folders are generated once under --dir (default .personaflow/bench).
 */
const SCALES: Record<string, number> = { small: 2_000, medium: 20_000 };

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function sample(dir: string, scale: string): Promise<string> {
  const out = join(dir, `sample-${scale}`);
  if (!existsSync(join(out, SAMPLE_FILES.truthPersonas))) {
    mkdirSync(out, { recursive: true });
    await generateSampleData({ outDir: out, scale: SCALES[scale] ?? Number(scale), asOf: DEFAULT_AS_OF });
  }
  return out;
}

/** Random forest on the same split, predicting with predict() (predictProbability drops a tree's vote in 2.1.0). */
function forest(scaled: number[][], labels: number[]): { macroF1: number; accuracy: number; seconds: number } {
  const { train, test } = trainTestSplit(scaled.length);
  const started = performance.now();
  const model = new RandomForestClassifier({ nEstimators: 50, maxFeatures: 0.5, seed: 42, replacement: true, useSampleBagging: true, noOOB: true });
  model.train(
    train.map((i) => scaled[i]!),
    train.map((i) => labels[i]!),
  );
  const predicted = model.predict(test.map((i) => scaled[i]!)) as number[];
  const seconds = (performance.now() - started) / 1000;
  return { ...classifierScores(test.map((i) => labels[i]!), predicted), seconds };
}

export async function run(args: string[]): Promise<void> {
  const dir = resolve(option(args, '--dir') ?? '.personaflow/bench');
  const scales = (option(args, '--scales') ?? 'small,medium').split(',');
  const withForest = args.includes('--forest');
  for (const scale of scales) {
    const source = await sample(dir, scale);
    const { rows, truth } = await sampleFeatures(source, DEFAULT_AS_OF.toISOString());
    const personas = [...new Set(truth.values())].sort();
    const planted = rows.map((r) => personas.indexOf(truth.get(r.customer_id) ?? ''));
    const started = performance.now();
    const model = fitModel(rows);
    const seconds = (performance.now() - started) / 1000;
    const other = fitModel(rows, { seed: 7 });
    const seg = model.segmentation;
    console.log(`\n${scale}: ${rows.length} customers, ${personas.length} planted personas`);
    console.log(`  k chosen            ${seg.k} (silhouette by k: ${seg.metrics.perK.map((m) => `${m.k}=${m.silhouette.toFixed(3)}`).join(' ')})`);
    console.log(`  k choice            ${seg.metrics.kChoice.reason}`);
    console.log(`  ARI vs planted      ${adjustedRandIndex(seg.assignments, planted).toFixed(3)}   (goal >= 0.8)`);
    console.log(`  stability ARI       ${adjustedRandIndex(seg.assignments, other.segmentation.assignments).toFixed(3)}   (seeds 42 vs 7, goal >= 0.95)`);
    console.log(`  classifier held-out accuracy ${model.heldOut.accuracy.toFixed(3)}, macro-F1 ${model.heldOut.macroF1.toFixed(3)} (nearest centroid, ${model.heldOut.testSize} held out; goal >= 0.9)`);
    console.log(`  fit time            ${seconds.toFixed(2)} s`);
    if (withForest) {
      const rf = forest(model.scaled, seg.assignments);
      console.log(`  random forest       accuracy ${rf.accuracy.toFixed(3)}, macro-F1 ${rf.macroF1.toFixed(3)} (50 trees, same split, ${rf.seconds.toFixed(1)} s)`);
    }
    const table: Record<string, number[]> = {};
    rows.forEach((row, i) => {
      const persona = truth.get(row.customer_id) ?? '?';
      (table[persona] ??= new Array<number>(seg.k).fill(0))[seg.assignments[i]!]! += 1;
    });
    console.log('  planted persona x segment:');
    for (const [persona, counts] of Object.entries(table).sort()) console.log(`    ${persona.padEnd(20)} ${counts.map((c) => String(c).padStart(6)).join('')}`);
  }

  const sizes = (option(args, '--planted-sizes') ?? '5000,20000').split(',').map(Number);
  const seeds = (option(args, '--planted-seeds') ?? '1,2,3').split(',').map(Number);
  console.log(`\nindependent generator (test/support/planted-personas.ts), automatic k:`);
  const cases = await plantedCases(dir, sizes, seeds, args.includes('--planted-fixed'));
  const worst = Math.min(...cases.map((c) => c.ari));
  console.log('\n| figure | value | goal |');
  console.log('|---|---|---|');
  console.log(
    `| ARI vs planted personas, automatic k, independent generator, ${seeds.length} seeds x ${sizes.length} sizes | ` +
      `min ${worst.toFixed(3)} (${cases.map((c) => `${c.customers}/${c.seed}: k ${c.k}, ${c.ari.toFixed(3)}`).join('; ')}) | >= 0.9 in every case |`,
  );
}
