import type { Rng } from './prng.ts';

/**
 * Time as whole epoch seconds (UTC). Integers keep the arithmetic exact and
 * the output deterministic; formatting is hand-rolled because it runs tens of
 * millions of times at xlarge scale and Date#toISOString would dominate.
 */

export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86_400;
/** An average month, for "events per month" rates. */
export const MONTH_DAYS = 30.44;

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const dayCache = new Map<number, string>();

function dayString(day: number): string {
  let text = dayCache.get(day);
  if (text === undefined) {
    text = new Date(day * DAY * 1000).toISOString().slice(0, 10);
    dayCache.set(day, text);
  }
  return text;
}

/** ISO 8601 with a Z offset and whole seconds, e.g. 2026-03-04T18:07:09Z. */
export function isoSeconds(epochSeconds: number): string {
  const day = Math.floor(epochSeconds / DAY);
  let rest = epochSeconds - day * DAY;
  const h = Math.floor(rest / HOUR);
  rest -= h * HOUR;
  const m = Math.floor(rest / MINUTE);
  const s = rest - m * MINUTE;
  return `${dayString(day)}T${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s]}Z`;
}

/**
 * Relative activity per UTC hour: quiet at night, peaking in the evening, so
 * timestamps look like a shop's traffic rather than uniform noise.
 */
const HOUR_WEIGHTS = [
  1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.0, 2.2, 2.4, 2.6, 2.8, 2.6, 2.4, 2.4, 2.6, 3.0, 3.4, 3.8, 4.0, 3.6,
  2.6, 1.6,
];

/** A second of the day drawn from the shop's daily traffic curve. */
export function secondOfDay(rng: Rng): number {
  return rng.weighted(HOUR_WEIGHTS) * HOUR + rng.int(0, HOUR - 1);
}

/** A timestamp on a uniformly drawn day in [from, to] (seconds), at a realistic hour. */
export function randomMoment(rng: Rng, from: number, to: number): number {
  const firstDay = Math.floor(from / DAY);
  const lastDay = Math.floor(to / DAY);
  const t = rng.int(firstDay, lastDay) * DAY + secondOfDay(rng);
  // The first and last day are partial: clamp instead of redrawing, cheaper and still deterministic.
  return Math.min(Math.max(t, from), to);
}
