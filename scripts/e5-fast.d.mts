import type { E5Paths } from './e5-model.mjs';
export const E5_FAST_SOURCE: string;
export function e5FastLibrary(shipped: Pick<E5Paths, 'source' | 'header'>): string | undefined;
export function ensureE5Fast(shipped: Pick<E5Paths, 'source' | 'header'>, log?: (line: string) => void): string | undefined;
