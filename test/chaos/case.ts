import type { CaseContext, Store } from './harness.ts';
import type { StoreExpectation } from './invariants.ts';

/** What a case reports besides the invariants: its own checks and the recovery it measured. */
export interface CaseOutcome {
  /** Problems the case itself found (a wrong exit code, a missing message, a recovery over its goal). */
  problems: string[];
  /** What each store the case used must hold (checked by invariants.ts after the case). */
  expect: Array<[Store, StoreExpectation]>;
  /** Seconds from the fault's end (a restart) to the run moving again, or the run's whole time. */
  recoverSeconds?: number;
  note?: string;
}

export interface ChaosCase {
  group: string;
  name: string;
  /** A reason to skip (e.g. not root for a tmpfs), checked before the case runs. */
  skip?: () => string | undefined;
  run(ctx: CaseContext): Promise<CaseOutcome>;
}

/** Seconds since `since` (Date.now() value), one decimal. */
export function secondsSince(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/** The line a failed command printed about its failure (`personaflow: …`), else its last line. */
export function errorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => l.startsWith('personaflow:')) ?? lines.pop() ?? '';
}
