import { describe, expect, it } from 'vitest';
import { buildScheduleOptions, type ScheduleCreateOptions } from '../../client/schedule-options.ts';
import { UsageError } from '../../client/usage-error.ts';

const base: ScheduleCreateOptions = {
  source: '/data/shop',
  timeZone: 'UTC',
  overlap: 'buffer-one',
  catchupWindow: '1 day',
};

describe('buildScheduleOptions', () => {
  it('turns a cron schedule into a profileRun action with the UI input and the policies', () => {
    const options = buildScheduleOptions('nightly', 'personaflow', { ...base, cron: '0 2 * * *', timeZone: 'Europe/Berlin', jitter: '5m', k: 4 });
    expect(options.spec).toEqual({ cronExpressions: ['0 2 * * *'], timezone: 'Europe/Berlin', jitter: '5m' });
    expect(options.action).toEqual({
      type: 'startWorkflow',
      workflowType: 'profileRun',
      workflowId: 'profile-run-nightly',
      taskQueue: 'personaflow',
      args: [{ source: '/data/shop', k: 4 }],
    });
    expect(options.policies).toEqual({ overlap: 'BUFFER_ONE', catchupWindow: '1 day' });
    expect(options.memo).toEqual({ spec: 'cron 0 2 * * * (Europe/Berlin)' });
  });

  it('takes an interval instead of cron', () => {
    const options = buildScheduleOptions('six-hourly', 'q', { ...base, every: '6h', overlap: 'skip' });
    expect(options.spec).toEqual({ intervals: [{ every: '6h' }], timezone: 'UTC' });
    expect(options.policies?.overlap).toBe('SKIP');
  });

  it.each([
    [{ cron: '0 2 * * *', every: '1d' }, 'exactly one of --cron'],
    [{}, 'exactly one of --cron'],
    [{ every: 'soon' }, '--every "soon": not a duration'],
    [{ every: '1d', timeZone: 'Mars/Olympus' }, 'not an IANA time zone'],
    [{ every: '1d', overlap: 'sometimes' }, '--overlap sometimes: expected one of skip'],
    [{ every: '1d', catchupWindow: '0s' }, 'must be longer than zero'],
  ])('rejects %j with a clear message', (flags, message) => {
    expect(() => buildScheduleOptions('s', 'q', { ...base, ...flags })).toThrow(UsageError);
    expect(() => buildScheduleOptions('s', 'q', { ...base, ...flags })).toThrow(message);
  });

  it('rejects a schedule id Temporal URLs would mangle', () => {
    expect(() => buildScheduleOptions('my schedule', 'q', { ...base, every: '1d' })).toThrow('use letters, digits');
  });
});
