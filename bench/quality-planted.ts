import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generatePlantedPersonas, PLANTED_AS_OF } from '../test/support/planted-personas.ts';
import { sampleFeatures } from './quality-features.ts';
import { fitModel } from '../activities/model/fit-model.ts';
import { adjustedRandIndex } from '../activities/model/cluster-metrics.ts';

/**
 * Automatic k on planted personas from the second, independent generator
 * (test/support/planted-personas.ts: six personas, other shares and noise
 * than scripts/sample-data), through the pipeline's load, feature SQL and
 * fitModel. One row per (size, seed): k chosen, ARI vs the planted personas
 * (goal >= 0.9 in every case), and the best ARI any fixed k in 3..8 reaches.
 */
export interface PlantedCase {
  customers: number;
  seed: number;
  k: number;
  ari: number;
  bestFixed: { k: number; ari: number };
  seconds: number;
  reason: string;
}

export async function plantedCases(dir: string, sizes: number[], seeds: number[], withFixed: boolean): Promise<PlantedCase[]> {
  const cases: PlantedCase[] = [];
  for (const customers of sizes) {
    for (const seed of seeds) {
      const source = join(dir, `planted-${customers}-${seed}`);
      if (!existsSync(join(source, '_truth', 'personas.csv'))) generatePlantedPersonas({ outDir: source, customers, seed });
      const { rows, truth } = await sampleFeatures(source, PLANTED_AS_OF.toISOString());
      const personas = [...new Set(truth.values())].sort();
      const planted = rows.map((r) => personas.indexOf(truth.get(r.customer_id) ?? ''));
      const started = performance.now();
      const model = fitModel(rows);
      const seconds = (performance.now() - started) / 1000;
      const ari = adjustedRandIndex(model.segmentation.assignments, planted);
      let bestFixed = { k: model.segmentation.k, ari };
      if (withFixed) {
        for (let k = 3; k <= 8; k++) {
          const fixed = adjustedRandIndex(fitModel(rows, { k }).segmentation.assignments, planted);
          if (fixed > bestFixed.ari) bestFixed = { k, ari: fixed };
        }
      }
      cases.push({ customers, seed, k: model.segmentation.k, ari, bestFixed, seconds, reason: model.segmentation.metrics.kChoice.reason });
      console.log(
        `  planted ${customers} customers, seed ${seed}: k ${model.segmentation.k}, ARI ${ari.toFixed(3)}` +
          (withFixed ? `, best fixed k ${bestFixed.k} (${bestFixed.ari.toFixed(3)})` : '') +
          `, fit ${seconds.toFixed(1)} s; ${model.segmentation.metrics.kChoice.reason}`,
      );
    }
  }
  return cases;
}
