import { ApplicationFailure } from '@temporalio/activity';
import { PersonaflowError } from './errors.ts';

/**
 * Runs an activity body and turns our non-retryable errors (bad input, bad
 * configuration) into non-retryable ApplicationFailures, so Temporal fails the
 * run at once instead of retrying something that cannot get better.
 */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof PersonaflowError && error.nonRetryable) {
      const details = 'details' in error ? [error.details] : [];
      throw ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true, details });
    }
    throw error;
  }
}
