// `npm run bench -- <name>`: benchmarks that print figures and ratios.
// Tests check behaviour; speed and memory goals are measured here.
const BENCHES: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  // Each bench lives in its own file and exports run(args).
  quality: () => import('./quality.ts'),
  training: () => import('./training.ts'),
  clv: () => import('./clv.ts'),
  'train-stall': () => import('./train-stall.ts'),
  extraction: () => import('./extraction.ts'),
  'quality-extraction': () => import('./extraction-quality.ts'),
  cli: () => import('./cli.ts'),
  report: () => import('./report.ts'),
  store: () => import('./store.ts'),
  e2e: () => import('./e2e.ts'),
  'load-profile': () => import('./load-profile.ts'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const names = Object.keys(BENCHES);
  if (!name || !BENCHES[name]) {
    console.error(`usage: npm run bench -- <${names.join('|') || 'name'}> [options]`);
    process.exitCode = name ? 1 : 0;
    return;
  }
  await (await BENCHES[name]!()).run(args);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
