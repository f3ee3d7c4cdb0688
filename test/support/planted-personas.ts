import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A second planted-persona generator, independent of scripts/sample-data:
 * other personas (six, not five), other shares, other noise (log-normal
 * amounts, gamma-distributed gaps, a share of customers whose behaviour is
 * drawn half from a second persona), no reviews. It writes a source folder
 * in the data contract plus _truth/personas.csv, so segmentation can be
 * scored on structure the sample generator did not make. Deterministic per seed.
 */
export interface PlantedOptions {
  outDir: string;
  customers: number;
  seed: number;
  asOf?: Date;
}

export const PLANTED_AS_OF = new Date('2026-06-01T00:00:00Z');

interface Persona {
  name: string;
  share: number;
  /** Mean days between orders; Infinity = never orders. */
  gapDays: number;
  /** Days since the last order is at least this (lapsed personas stop early). */
  quietDays: [number, number];
  basket: number;
  discountProbability: number;
  discountDepth: number;
  refundProbability: number;
  sessionsPerMonth: number;
  cartProbability: number;
  minutesPerSession: number;
}

const PERSONAS: Persona[] = [
  { name: 'weekly_regulars', share: 0.27, gapDays: 9, quietDays: [0, 10], basket: 45, discountProbability: 0.1, discountDepth: 0.1, refundProbability: 0.02, sessionsPerMonth: 6, cartProbability: 0.5, minutesPerSession: 6 },
  { name: 'big_ticket_rare', share: 0.09, gapDays: 110, quietDays: [0, 90], basket: 420, discountProbability: 0.05, discountDepth: 0.05, refundProbability: 0.03, sessionsPerMonth: 1.5, cartProbability: 0.4, minutesPerSession: 14 },
  { name: 'coupon_collectors', share: 0.17, gapDays: 30, quietDays: [0, 40], basket: 35, discountProbability: 0.9, discountDepth: 0.35, refundProbability: 0.03, sessionsPerMonth: 4, cartProbability: 0.4, minutesPerSession: 5 },
  { name: 'one_and_done', share: 0.24, gapDays: Infinity, quietDays: [150, 420], basket: 60, discountProbability: 0.2, discountDepth: 0.15, refundProbability: 0.01, sessionsPerMonth: 0, cartProbability: 0, minutesPerSession: 0 },
  { name: 'never_buyers', share: 0.13, gapDays: NaN, quietDays: [0, 0], basket: 0, discountProbability: 0, discountDepth: 0, refundProbability: 0, sessionsPerMonth: 5, cartProbability: 0.6, minutesPerSession: 9 },
  { name: 'serial_returners', share: 0.1, gapDays: 40, quietDays: [0, 50], basket: 90, discountProbability: 0.15, discountDepth: 0.1, refundProbability: 0.45, sessionsPerMonth: 2.5, cartProbability: 0.3, minutesPerSession: 7 },
];

const CATEGORIES = ['garden', 'kitchen', 'sports', 'music', 'office', 'pets'];
const DAY = 86_400_000;

function rng(seed: number): () => number {
  let a = (seed * 0x9e3779b1) >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generatePlantedPersonas(options: PlantedOptions): void {
  const asOf = (options.asOf ?? PLANTED_AS_OF).getTime();
  const random = rng(options.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const logNormal = (mean: number, sigma: number): number => mean * Math.exp(sigma * normal() - (sigma * sigma) / 2);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * random();
  // Gamma(shape 2) gap around the mean: irregular but not memoryless.
  const gap = (mean: number): number => (mean / 2) * (-Math.log(1 - random()) - Math.log(1 - random()));
  const pick = (): Persona => {
    let u = random();
    for (const p of PERSONAS) {
      u -= p.share;
      if (u < 0) return p;
    }
    return PERSONAS[PERSONAS.length - 1]!;
  };

  const customers = ['customer_id,signup_at,country'];
  const orders = ['order_id,customer_id,ordered_at,category,quantity,unit_price,discount,status'];
  const sessions = ['session_id,customer_id,started_at,duration_s,page_views,category,added_to_cart'];
  const truth = ['customer_id,persona'];
  let orderId = 0;
  let sessionId = 0;
  for (let c = 1; c <= options.customers; c++) {
    const id = `P${String(c).padStart(7, '0')}`;
    const persona = pick();
    // 10% of customers take their browsing habits from a second persona: real people are mixtures.
    const browse = random() < 0.1 ? pick() : persona;
    const tenure = Math.round(uniform(200, 720));
    const signup = asOf - tenure * DAY;
    customers.push(`${id},${new Date(signup).toISOString()},${['DE', 'FR', 'US', 'JP'][c % 4]}`);
    truth.push(`${id},${persona.name}`);
    const favourite = CATEGORIES[Math.floor(random() * CATEGORIES.length)]!;
    const order = (at: number): void => {
      const price = Math.max(1, logNormal(persona.basket, 0.45));
      const discounted = random() < persona.discountProbability;
      const discount = discounted ? price * Math.min(0.8, Math.max(0.02, persona.discountDepth + 0.08 * normal())) : 0;
      const status = random() < persona.refundProbability ? (random() < 0.7 ? 'refunded' : 'cancelled') : 'completed';
      const category = random() < 0.6 ? favourite : CATEGORIES[Math.floor(random() * CATEGORIES.length)]!;
      orders.push(`O${++orderId},${id},${new Date(at).toISOString()},${category},1,${price.toFixed(2)},${discount.toFixed(2)},${status}`);
    };
    if (persona.gapDays === Infinity) {
      order(asOf - uniform(persona.quietDays[0], Math.min(persona.quietDays[1], tenure)) * DAY);
    } else if (Number.isFinite(persona.gapDays)) {
      const stop = asOf - uniform(persona.quietDays[0], persona.quietDays[1]) * DAY;
      let at = signup + gap(persona.gapDays) * DAY;
      let placed = 0;
      while (at <= stop) {
        order(at);
        placed++;
        at += Math.max(0.2, gap(persona.gapDays)) * DAY;
      }
      if (placed === 0) order(Math.max(signup, stop - uniform(0, 10) * DAY));
    }
    // Sessions over the last year.
    const months = Math.min(12, tenure / 30.44);
    const count = Math.round(Math.max(0, logNormal(browse.sessionsPerMonth + 0.01, 0.5)) * months);
    for (let k = 0; k < count; k++) {
      const at = asOf - uniform(0, months * 30.44) * DAY;
      const minutes = Math.max(0.2, logNormal(browse.minutesPerSession + 0.1, 0.6));
      const cart = random() < browse.cartProbability;
      sessions.push(`S${++sessionId},${id},${new Date(at).toISOString()},${Math.round(minutes * 60)},${1 + Math.floor(minutes * 2)},${favourite},${cart}`);
    }
  }
  mkdirSync(join(options.outDir, '_truth'), { recursive: true });
  writeFileSync(join(options.outDir, 'customers.csv'), `${customers.join('\n')}\n`);
  writeFileSync(join(options.outDir, 'orders.csv'), `${orders.join('\n')}\n`);
  writeFileSync(join(options.outDir, 'sessions.csv'), `${sessions.join('\n')}\n`);
  writeFileSync(join(options.outDir, '_truth', 'personas.csv'), `${truth.join('\n')}\n`);
}
