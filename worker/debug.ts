/**
 * PERSONAFLOW_DEBUG=1: stack traces with the CLI's errors and the Temporal
 * SDK's warnings on the console. Apart from loadConfig because the error
 * handler must work even when the configuration is invalid, and cheaply.
 */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.PERSONAFLOW_DEBUG && env.PERSONAFLOW_DEBUG !== '0');
}
