// The one mapping from errors to exit code classes, on real errors of the
// libraries involved (Temporal client, DuckDB, openai) and of our own.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, ServiceError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { DuckDBInstance } from '@duckdb/node-api';
import { APIConnectionError } from 'openai';
import { classifyError } from '../../client/exit-code.ts';
import { DataError, ExitCode, RunFailedError, UnavailableError } from '../../client/cli-errors.ts';
import { UsageError } from '../../client/usage-error.ts';
import { ConfigError, RejectLimitError, SourceError, StoreUnavailableError } from '../../activities/errors.ts';

function failedRun(type: string, message: string): WorkflowFailedError {
  const app = ApplicationFailure.create({ type, message, nonRetryable: true });
  const activity = new ActivityFailure('Activity task failed', 'loadSources', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', app);
  return new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);
}

describe('classifyError', () => {
  it('gives our own CLI errors their class', () => {
    expect(classifyError(new UsageError('--k x'))).toEqual({ code: ExitCode.usage, message: '--k x' });
    expect(classifyError(new DataError('no version 9')).code).toBe(3);
    expect(classifyError(new RunFailedError('run failed')).code).toBe(4);
    expect(classifyError(new UnavailableError('no server')).code).toBe(5);
  });

  it('maps the activities’ errors: bad data 3, bad configuration 2, a held warehouse 5', () => {
    expect(classifyError(new SourceError('orders.csv: no column x', { table: 'orders' })).code).toBe(ExitCode.data);
    expect(classifyError(new RejectLimitError('too many', { table: 'orders', rejected: 9, total: 10, limit: 0.05 })).code).toBe(ExitCode.data);
    expect(classifyError(new ConfigError('bad provider')).code).toBe(ExitCode.usage);
    expect(classifyError(new StoreUnavailableError('cannot attach the store', new Error('lock'))).code).toBe(ExitCode.unavailable);
  });

  it('a failed run is 4, or 3 when its activity failed on the source data, with the activity’s own message', () => {
    const data = classifyError(failedRun('SourceError', 'required table orders not found'));
    expect(data).toEqual({ code: ExitCode.data, message: 'required table orders not found' });
    expect(classifyError(failedRun('Error', 'disk exploded')).code).toBe(ExitCode.runFailed);
  });

  it('Temporal unavailable is 5; an unknown workflow is 3', () => {
    const grpc = Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });
    expect(classifyError(new ServiceError('Failed to query workflow', { cause: grpc })).code).toBe(ExitCode.unavailable);
    const deadline = Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 });
    expect(classifyError(new ServiceError('Failed', { cause: deadline })).code).toBe(ExitCode.unavailable);
    expect(classifyError(new WorkflowNotFoundError('not found', 'wf', undefined)).code).toBe(ExitCode.data);
  });

  it('bad SQL is 3 (a real DuckDB error)', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const error = await connection.run('SELECT * FROM no_such_table').catch((e: unknown) => e);
      const parse = await connection.run('SELEC 1').catch((e: unknown) => e);
      expect(classifyError(error).code).toBe(ExitCode.data);
      expect(classifyError(error).message).toMatch(/no_such_table/);
      expect(classifyError(parse).code).toBe(ExitCode.data);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('an LLM endpoint that does not answer is 5; a refused connection is 5; anything else is 1', () => {
    expect(classifyError(new APIConnectionError({ message: 'Connection error.' })).code).toBe(ExitCode.unavailable);
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe(ExitCode.unavailable);
    expect(classifyError(new TypeError('x is undefined')).code).toBe(ExitCode.internal);
  });
});
