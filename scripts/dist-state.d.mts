export const DIST: string;
export const STAMP: string;
export function distIsCurrent(): boolean;
