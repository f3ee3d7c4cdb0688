import { InputError } from './errors.ts';
import { describeInvalidInput } from '../workflows/profile-run-input.ts';
import type { ProfileRunInput } from '../workflows/types.ts';

/** What profileRun hands startRun: its whole input (asOf resolved) plus the run's ids. */
export type StartRunWithInput = ProfileRunInput & { runId: string; workflowId: string; asOf: string };

/**
 * startRun, then the run's input checked against the schema the CLI uses
 * (workflows/profile-run-input.ts). Checked here, in the first activity, so
 * an input from the Temporal UI or another client (`"k": 1`) fails the run at
 * once, non-retryable, with a line naming the field, instead of failing
 * deep in a stage; and after the runs row is written, so the failure shows in
 * runs like any other. The workflow itself schedules nothing new for it.
 */
export function validatingRunInput<R>(startRun: (input: StartRunWithInput) => Promise<R>) {
  return async function startRunChecked(input: StartRunWithInput): Promise<R> {
    const result = await startRun(input);
    const { runId: _runId, workflowId: _workflowId, ...runInput } = input;
    const problem = describeInvalidInput(runInput);
    if (problem) {
      const field = problem.match(/^invalid profileRun input: (\w+)/)?.[1] ?? '(input)';
      throw new InputError(problem, { field });
    }
    return result;
  };
}
