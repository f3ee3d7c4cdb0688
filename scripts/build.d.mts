export function buildDist(options?: { force?: boolean }): Promise<boolean>;
