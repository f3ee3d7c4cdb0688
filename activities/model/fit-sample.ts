/**
 * When the train stage fits k-means on a sample instead of every customer
 * (segmentation.ts `fitSample`), chosen by `npm run bench -- training`
 * (docs/segmentation.md): below the threshold a full fit is fast enough and
 * exact; above it a sample of FIT_SAMPLE_SIZE rows gives the same segments
 * (ARI against the full fit is recorded by the bench) in a fraction of the time.
 */
export const FIT_SAMPLE_THRESHOLD = 50_000;
export const FIT_SAMPLE_SIZE = 10_000;

export function fitSampleFor(customers: number): number | undefined {
  return customers > FIT_SAMPLE_THRESHOLD ? FIT_SAMPLE_SIZE : undefined;
}
