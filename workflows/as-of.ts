import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * The run's as-of time (data contract): the input's asOf, else the schedule's
 * nominal time (so a late scheduled run still profiles the right day), else
 * the workflow's start time.
 */
export function resolveAsOf(asOf: string | undefined): string {
  if (asOf !== undefined) {
    const parsed = new Date(asOf);
    if (Number.isNaN(parsed.getTime())) {
      throw ApplicationFailure.nonRetryable(`asOf "${asOf}" is not an ISO 8601 time`, 'InvalidInput');
    }
    return parsed.toISOString();
  }
  const nominal = workflowInfo().typedSearchAttributes.get(SCHEDULED_START);
  return (nominal ?? workflowInfo().startTime).toISOString();
}
