import { describe, expect, it } from 'vitest';
import { stepTimer } from '../../activities/step-timer.ts';

describe('stepTimer', () => {
  it('gives each step the time since the previous lap, in seconds, and adds up a step lapped twice', () => {
    let now = 1_000;
    const steps = stepTimer(() => now);
    now += 2_500;
    steps.lap('read');
    now += 125;
    steps.lap('fit');
    now += 1_000;
    steps.lap('read');
    expect(steps.seconds).toEqual({ read: 3.5, fit: 0.125 });
  });
});
