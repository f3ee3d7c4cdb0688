// Whether dist/ (scripts/build.mjs) is newer than every source it is built
// from. Cheap enough for every CLI start: a few hundred stat calls, no reads.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './temporal-cli.mjs';

export const DIST = join(PROJECT_ROOT, 'dist');
export const STAMP = '.built';
const SOURCE_DIRS = ['client', 'worker', 'activities', 'workflows', 'scripts'];
const SOURCE_FILES = ['package.json', 'package-lock.json'];

function newestIn(dir, newest) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestIn(path, newest);
    else if (/\.(ts|mts|mjs|js|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function distIsCurrent() {
  let built;
  try {
    built = statSync(join(DIST, STAMP)).mtimeMs;
  } catch {
    return false;
  }
  let newest = 0;
  for (const dir of SOURCE_DIRS) newest = newestIn(join(PROJECT_ROOT, dir), newest);
  for (const file of SOURCE_FILES) {
    try {
      newest = Math.max(newest, statSync(join(PROJECT_ROOT, file)).mtimeMs);
    } catch {
      // optional
    }
  }
  return built >= newest;
}
