// The train activity's long fits give the event loop turns while they run, so the
// activity's heartbeat timer (heartbeat-while.ts) can fire (issue 12), and the
// pauses change nothing in the results. The checks hold on a slow or busy
// machine alike: a 10 ms timer must fire during the work (never, were a fit
// synchronous), and for the k-means fit, which runs for several of
// runStepsYielding's 200 ms slices, no stretch without a tick may take half
// the work's time. Stall lengths are measured by `npm run bench -- train-stall`.
import { describe, expect, it } from 'vitest';
import { fitCustomerValue, fitCustomerValueAsync } from '../../activities/model/clv/customer-value.ts';
import { fitModel, fitModelAsync } from '../../activities/model/fit-model.ts';
import { stallsDuring } from '../support/event-loop-stalls.ts';
import { syntheticFeatureRows } from '../support/synthetic-feature-rows.ts';

describe('long fits yield to the event loop', () => {
  it('fitCustomerValueAsync lets timers fire during the likelihood fits and equals fitCustomerValue', async () => {
    const rows = syntheticFeatureRows(5_000);
    const { result, ticks } = await stallsDuring(() => fitCustomerValueAsync(rows, 180));
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(result).toEqual(fitCustomerValue(rows, 180));
  }, 120_000);

  it('fitModelAsync lets timers fire inside a single k-means fit and equals fitModel', async () => {
    // One fixed k on all rows (under the fit-sample threshold): the pauses have to come from inside the fit.
    const rows = syntheticFeatureRows(45_000, 11);
    const { result, elapsed, ticks, longest } = await stallsDuring(() => fitModelAsync(rows, { k: 4 }));
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(longest).toBeLessThan(elapsed / 2);
    expect(result).toEqual(fitModel(rows, { k: 4 }));
  }, 120_000);
});
