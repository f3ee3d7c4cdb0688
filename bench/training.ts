import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSampleData, DEFAULT_AS_OF, SAMPLE_FILES } from '../scripts/sample-data/generate.ts';
import type { FeatureRow } from '../activities/model/feature-row.ts';
import { adjustedRandIndex, mulberry32 } from '../activities/model/cluster-metrics.ts';
import { fitModel } from '../activities/model/fit-model.ts';
import { trainSegmentation } from '../activities/model/segmentation.ts';
import { fitSampleFor } from '../activities/model/fit-sample.ts';
import { sampleFeatures } from './quality-features.ts';

/**
 * `npm run bench -- training [--scales 10000,100000,1000000] [--full-max N] [--no-sklearn]`
 *
 * The train stage's numeric work (fitModel: fills, scaling, k-means over k =
 * 3..8 with 5 seeds each, sampled silhouette, held-out classifier score) at
 * each scale, with wall time and the process's peak RSS so far (scales run in
 * increasing order, so each peak belongs to its scale or an earlier, smaller
 * one). Rows are the features of the generator's medium sample (20k
 * customers, the pipeline's own SQL), resampled with 5% jitter to reach a
 * scale, so the matrix has the real shape and tails.
 *
 * For each scale the same model selection by scikit-learn on the same matrix
 * (bench/training_sklearn.py in .tools/bench-venv, created with
 * `python3 -m venv .tools/bench-venv && .tools/bench-venv/bin/pip install scikit-learn`)
 * is timed and printed as a ratio, and so is one k-means fit at the chosen k.
 * Where the train stage fits on a sample (fit-sample.ts), the same selection
 * on all rows is also run up to --full-max rows (default 200000) and its time
 * and ARI against the sampled fit printed: the evidence for fit-sample.ts.
 */
function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const NUMERIC: Array<keyof FeatureRow> = [
  'recency_days', 'monetary', 'avg_order_value', 'browse_minutes_per_month', 'sessions_per_month', 'tenure_days',
];

function resample(base: readonly FeatureRow[], n: number): FeatureRow[] {
  if (n <= base.length) return base.slice(0, n);
  const random = mulberry32(n);
  const out: FeatureRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = { ...base[Math.floor(random() * base.length)]!, customer_id: `X${i}` } as Record<string, unknown>;
    for (const key of NUMERIC) {
      const value = row[key];
      if (typeof value === 'number') row[key] = value * (0.95 + 0.1 * random());
    }
    out[i] = row as unknown as FeatureRow;
  }
  return out;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

interface SklearnResult {
  selection_seconds: number;
  chosen_k: number;
  single_k_seconds: number;
}

function sklearn(python: string, matrix: number[][], k: number, tmp: string): SklearnResult | undefined {
  const d = matrix[0]!.length;
  const flat = new Float64Array(matrix.length * d);
  matrix.forEach((row, i) => flat.set(row, i * d));
  const file = join(tmp, `matrix-${matrix.length}.f64`);
  writeFileSync(file, Buffer.from(flat.buffer));
  try {
    const out = execFileSync(
      python,
      [resolve('bench/training_sklearn.py'), file, String(matrix.length), String(d), '3', '8', '5', '100', '2000', String(k)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return JSON.parse(out) as SklearnResult;
  } finally {
    rmSync(file, { force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const scales = (option(args, '--scales') ?? '10000,100000,1000000').split(',').map(Number);
  const fullMax = Number(option(args, '--full-max') ?? 200_000);
  const dir = resolve(option(args, '--dir') ?? '.personaflow/bench');
  const python = resolve('.tools/bench-venv/bin/python');
  const useSklearn = !args.includes('--no-sklearn') && existsSync(python);
  if (!useSklearn) console.log('scikit-learn comparison off (no .tools/bench-venv; see bench/training.ts)');

  const source = join(dir, 'sample-medium');
  if (!existsSync(join(source, SAMPLE_FILES.truthPersonas))) {
    mkdirSync(source, { recursive: true });
    await generateSampleData({ outDir: source, scale: 'medium', asOf: DEFAULT_AS_OF });
  }
  const { rows: base } = await sampleFeatures(source, DEFAULT_AS_OF.toISOString());

  for (const n of scales) {
    const rows = resample(base, n);
    console.log(`\n${n.toLocaleString('en-US')} customers`);
    let started = performance.now();
    const model = fitModel(rows);
    const stageSeconds = (performance.now() - started) / 1000;
    const fitSample = fitSampleFor(n);
    console.log(
      `  train stage (fitModel${fitSample !== undefined ? `, fitSample ${fitSample}` : ', all rows'}): ${stageSeconds.toFixed(1)} s, k = ${model.segmentation.k}, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
    );
    // The evidence for fit-sample.ts: the same selection on all rows, its time and its agreement.
    if (fitSample !== undefined && n <= fullMax) {
      started = performance.now();
      const full = trainSegmentation(model.scaled);
      console.log(
        `  same on all rows: ${((performance.now() - started) / 1000).toFixed(1)} s, k = ${full.k}; ARI sampled vs all rows ${adjustedRandIndex(full.assignments, model.segmentation.assignments).toFixed(3)}`,
      );
    }
    if (!useSklearn) continue;
    const sk = sklearn(python, model.scaled, model.segmentation.k, dir);
    if (!sk) continue;
    console.log(
      `  scikit-learn, same selection on all rows (k 3..8, n_init 5, sampled silhouette): ${sk.selection_seconds.toFixed(1)} s (k = ${sk.chosen_k}); ratio train stage / sklearn ${(stageSeconds / sk.selection_seconds).toFixed(2)}x`,
    );
    if (n <= fullMax) {
      started = performance.now();
      trainSegmentation(model.scaled, { k: model.segmentation.k });
      const single = (performance.now() - started) / 1000;
      console.log(
        `  one k-means fit on all rows, k = ${model.segmentation.k}, 5 seeds: ours ${single.toFixed(2)} s, sklearn ${sk.single_k_seconds.toFixed(2)} s, ratio ${(single / sk.single_k_seconds).toFixed(2)}x`,
      );
    }
  }
}
