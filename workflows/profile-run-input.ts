import { z } from 'zod';
import type { ProfileRunInput } from './types.ts';

/**
 * The one schema of profileRun's input (workflows/types.ts ProfileRunInput),
 * used by the CLI before it starts a run and by the startRun activity for
 * runs started from the Temporal UI, a schedule or any other client. Pure
 * zod, no Node built-ins: the workflow bundle may import it too.
 */
export const ProfileRunInputSchema = z.strictObject({
  source: z.string({ error: 'must be the path of the folder with the source tables' }).min(1, 'must not be empty'),
  asOf: z
    .string({ error: 'must be an ISO 8601 time, e.g. "2026-11-01T00:00:00Z"' })
    .refine((value) => !Number.isNaN(new Date(value).getTime()), 'must be an ISO 8601 time, e.g. "2026-11-01T00:00:00Z"')
    .optional(),
  maxRejectShare: z.number({ error: 'must be a number from 0 to 1' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').optional(),
  maxExtractFailureShare: z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, 'must be from 0 to 1')
    .max(1, 'must be from 0 to 1')
    .optional(),
  // k-means needs two segments at least; past 50 a persona card per segment means nothing.
  k: z.number({ error: 'must be an integer from 2 to 50' }).int('must be an integer from 2 to 50').min(2, 'must be an integer from 2 to 50').max(50, 'must be an integer from 2 to 50').optional(),
  clvHorizonDays: z.number({ error: 'must be a positive number of days' }).positive('must be a positive number of days').max(3650, 'must be at most 3650 days').optional(),
  llmBatchApi: z.boolean({ error: 'must be true or false' }).optional(),
  force: z.boolean({ error: 'must be true or false' }).optional(),
});

/** Undefined when the input is valid, else one line naming each bad field and its value. */
export function describeInvalidInput(input: unknown): string | undefined {
  const parsed = ProfileRunInputSchema.safeParse(input);
  if (parsed.success) return undefined;
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const field = issue.path.map(String).join('.') || '(input)';
    const value = issue.path.reduce<unknown>((v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key], input);
    const shown = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60);
    return `${field} ${issue.message} (got ${shown})`;
  });
  return `invalid profileRun input: ${problems.join('; ')}`;
}

// The schema and the ProfileRunInput type (workflows/types.ts) must say the same: this fails to compile when they drift.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShape: Exactly<z.infer<typeof ProfileRunInputSchema>, ProfileRunInput> = true;
void _sameShape;
