import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { ConfigError, LlmEndpointError, SourceError } from '../../activities/errors.ts';
import { MAX_FAILURE_MESSAGE, withFailureBoundary } from '../../activities/failure-boundary.ts';

/** Runs `body` as an activity behind the boundary and returns what Temporal would receive. */
async function failureOf(body: () => Promise<unknown>): Promise<unknown> {
  const { act } = withFailureBoundary({ act: body });
  return new MockActivityEnvironment().run(act).then(
    () => expect.fail('the activity should have failed'),
    (error: unknown) => error,
  );
}

describe('failure boundary', () => {
  it('makes bad input and bad configuration non-retryable, keeping class name and details', async () => {
    const source = (await failureOf(async () => {
      throw new SourceError('orders.csv: missing required column "order_id"', { table: 'orders', file: 'orders.csv', column: 'order_id' });
    })) as ApplicationFailure;
    expect(source).toBeInstanceOf(ApplicationFailure);
    expect(source).toMatchObject({ type: 'SourceError', nonRetryable: true, message: 'orders.csv: missing required column "order_id"' });
    expect(source.details).toEqual([{ table: 'orders', file: 'orders.csv', column: 'order_id' }]);

    const config = (await failureOf(async () => {
      throw new ConfigError('unknown LLM provider "llama"');
    })) as ApplicationFailure;
    expect(config).toMatchObject({ type: 'ConfigError', nonRetryable: true });
  });

  it('follows the error: a retryable error of ours stays retryable', async () => {
    const failure = (await failureOf(async () => {
      throw new LlmEndpointError('LLM endpoint unavailable', { kind: 'unavailable' }, false);
    })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'LlmEndpointError', nonRetryable: false });
  });

  it('keeps an unknown error retryable under its own name', async () => {
    const failure = (await failureOf(async () => {
      throw new RangeError('something odd');
    })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'RangeError', nonRetryable: false, message: 'something odd' });
  });

  it('redacts contact details and caps the length of every message, the stack included, and drops the cause', async () => {
    const echoed = `400 Bad Request: could not process "call me at +1 415-555-0132 or jane.doe@example.com ${'x'.repeat(5_000)}"`;
    const failure = (await failureOf(async () => {
      throw new Error(echoed, { cause: new Error(echoed) });
    })) as ApplicationFailure;
    for (const text of [failure.message, String(failure.stack)]) {
      expect(text).not.toContain('jane.doe');
      expect(text).not.toContain('555-0132');
    }
    expect(failure.message).toContain('[EMAIL]');
    expect(failure.message.length).toBeLessThan(MAX_FAILURE_MESSAGE + 60);
    expect(failure.message).toMatch(/more characters cut\)$/);
    expect(failure.cause).toBeUndefined();
    expect(String(failure.stack)).toMatch(/\n\s+at /); // the frames are kept for debugging
  });

  it('redacts an ApplicationFailure thrown directly, keeping its retry decision', async () => {
    const failure = (await failureOf(async () => {
      throw ApplicationFailure.nonRetryable('refused for jane.doe@example.com', 'Refused');
    })) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'Refused', nonRetryable: true, message: 'refused for [EMAIL]' });
  });

  it('lets a cancellation through as a cancellation', async () => {
    const cancelled = new CancelledFailure('cancelled');
    expect(await failureOf(async () => {
      throw cancelled;
    })).toBe(cancelled);
  });
});
