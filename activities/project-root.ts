import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the project's package.json, found upwards from this
 * file: the same from the TypeScript sources and from the compiled CLI in
 * dist/, whose chunks sit at another depth. Files shipped with the project
 * (the review heads) and installed beside it (.tools/) are found from here.
 */
export const PROJECT_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
