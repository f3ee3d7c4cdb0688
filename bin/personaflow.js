#!/usr/bin/env node
// Runs the compiled CLI (dist/, see scripts/build.mjs), rebuilding it first
// when a source is newer than the build. Without esbuild (it comes with tsx)
// it runs the TypeScript sources through tsx's loader instead, slower to start.
import { distIsCurrent } from '../scripts/dist-state.mjs';

let compiled = distIsCurrent();
if (!compiled) {
  try {
    const { buildDist } = await import('../scripts/build.mjs');
    await buildDist();
    compiled = true;
  } catch (error) {
    console.error(`personaflow: could not compile the CLI (${error instanceof Error ? error.message : String(error)}); running the sources through tsx`);
  }
}
if (compiled) {
  await import('../dist/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../client/main.ts');
}
