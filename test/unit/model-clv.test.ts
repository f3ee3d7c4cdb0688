// Pareto/NBD, BG/NBD, MBG/NBD and Gamma-Gamma (activities/model/clv/): special
// functions, the quadrature, the minimiser, parameter recovery on data simulated from known parameters, and
// the per-customer values. Agreement with lifetimes on CDNOW is measured by
// `npm run bench -- clv` (it needs lifetimes' data).
import { describe, expect, it } from 'vitest';
import { hyp2f1, logGamma, logHyp2f1 } from '../../activities/model/clv/special-functions.ts';
import { nelderMead } from '../../activities/model/clv/nelder-mead.ts';
import { expectedPurchases, fitBgNbd, probabilityAlive, probabilityNoPurchase } from '../../activities/model/clv/bgnbd.ts';
import type { RepeatSummary } from '../../activities/model/clv/repeat-summary.ts';
import { expectedSpend, fitGammaGamma, gammaGammaNegLogLikelihood } from '../../activities/model/clv/gamma-gamma.ts';
import { customerValue, customerValueScorer, fitCustomerValue } from '../../activities/model/clv/customer-value.ts';
import { fitParetoNbd, logA0, logDeathIntegral, paretoExpectedPurchases, paretoProbabilityAlive, paretoProbabilityNoPurchase } from '../../activities/model/clv/pareto-nbd.ts';
import { gaussLegendre } from '../../activities/model/clv/gauss-legendre.ts';
import { mulberry32 } from '../../activities/model/cluster-metrics.ts';

const random = mulberry32(2024);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
/** Marsaglia-Tsang, with the shape < 1 boost. */
function gamma(shape: number): number {
  if (shape < 1) return gamma(shape + 1) * Math.pow(random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal();
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(random()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Customers of a BG/NBD world: Poisson purchases at rate lambda, dropout with
 * probability p after each repeat; in the MBG/NBD world the coin is tossed at
 * the first purchase too.
 */
function simulateBgNbd(n: number, r: number, alpha: number, a: number, b: number, variant: 'bg' | 'mbg' = 'bg'): RepeatSummary[] {
  return Array.from({ length: n }, () => {
    const lambda = gamma(r) / alpha;
    const ga = gamma(a);
    const p = ga / (ga + gamma(b));
    const T = 100 + random() * 400;
    let t = 0;
    let x = 0;
    let tx = 0;
    if (variant === 'mbg' && random() < p) return { x, tx, T };
    for (;;) {
      t += -Math.log(1 - random()) / lambda;
      if (t > T) break;
      x++;
      tx = t;
      if (random() < p) break;
    }
    return { x, tx, T };
  });
}

/**
 * Customers of a Pareto/NBD world: Poisson purchases at rate lambda while
 * alive, death at an exponential time of rate mu, both gamma across customers.
 */
function simulateParetoNbd(n: number, r: number, alpha: number, s: number, beta: number): RepeatSummary[] {
  return Array.from({ length: n }, () => {
    const lambda = gamma(r) / alpha;
    const death = -Math.log(1 - random()) / (gamma(s) / beta);
    const T = 100 + random() * 400;
    const end = Math.min(death, T);
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - random()) / lambda;
      if (t > end) break;
      x++;
      tx = t;
    }
    // Whole days, as the feature SQL counts them (and so grouped as in a real fit).
    return { x, tx: Math.floor(tx), T: Math.floor(T) };
  });
}

describe('special functions and minimiser', () => {
  it('logGamma and hyp2f1 match closed forms', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 10);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    for (const z of [0.1, 0.5, 0.9]) expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 12);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(logHyp2f1(1.3, 2.5, 3.1, 0.7)).toBeCloseTo(Math.log(hyp2f1(1.3, 2.5, 3.1, 0.7)), 12);
    // 2F1(a, b; b; z) = (1 - z)^-a: past 1e308 for a = 2000 at z = 0.5, where the plain series overflows.
    expect(hyp2f1(2000, 3, 3, 0.5)).toBe(Infinity);
    expect(logHyp2f1(2000, 3, 3, 0.5)).toBeCloseTo(-2000 * Math.log(0.5), 8);
  });

  it('Gauss-Legendre integrates polynomials up to degree 2n - 1 exactly', () => {
    const { nodes, weights } = gaussLegendre(24);
    const integrate = (f: (x: number) => number) => nodes.reduce((sum, x, i) => sum + weights[i]! * f(x), 0);
    expect(integrate(() => 1)).toBeCloseTo(2, 13);
    expect(integrate((x) => x ** 46)).toBeCloseTo(2 / 47, 13);
    expect(integrate((x) => x ** 47 + x ** 3)).toBeCloseTo(0, 13);
    expect(integrate(Math.exp)).toBeCloseTo(Math.E - 1 / Math.E, 13);
  });

  it('Nelder-Mead finds the Rosenbrock minimum', () => {
    const result = nelderMead(([x, y]) => (1 - x!) ** 2 + 100 * (y! - x! * x!) ** 2, [-1.2, 1]);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });
});

describe('BG/NBD', () => {
  it('recovers the parameters of simulated customers', () => {
    const truth = { r: 0.5, alpha: 30, a: 0.8, b: 2.5 };
    const { params } = fitBgNbd(simulateBgNbd(20_000, truth.r, truth.alpha, truth.a, truth.b));
    expect(params.r / truth.r).toBeGreaterThan(0.85);
    expect(params.r / truth.r).toBeLessThan(1.15);
    expect(params.alpha / truth.alpha).toBeGreaterThan(0.8);
    expect(params.alpha / truth.alpha).toBeLessThan(1.2);
    expect(params.a / truth.a).toBeGreaterThan(0.7);
    expect(params.a / truth.a).toBeLessThan(1.3);
    expect(params.b / truth.b).toBeGreaterThan(0.7);
    expect(params.b / truth.b).toBeLessThan(1.3);
  });

  it('P(alive) and expectations behave as the model says', () => {
    const p = { r: 0.27, alpha: 38, a: 0.6, b: 2.2 };
    expect(probabilityAlive(p, { x: 0, tx: 0, T: 300 })).toBe(1);
    const recent = probabilityAlive(p, { x: 4, tx: 290, T: 300 });
    const gone = probabilityAlive(p, { x: 4, tx: 50, T: 300 });
    expect(recent).toBeGreaterThan(gone);
    expect(expectedPurchases(p, { x: 4, tx: 290, T: 300 }, 180)).toBeGreaterThan(expectedPurchases(p, { x: 4, tx: 50, T: 300 }, 180));
    expect(expectedPurchases(p, { x: 4, tx: 290, T: 300 }, 360)).toBeGreaterThan(expectedPurchases(p, { x: 4, tx: 290, T: 300 }, 180));
    const quiet = probabilityNoPurchase(p, { x: 0, tx: 0, T: 300 }, 180);
    expect(quiet).toBeGreaterThan(0);
    expect(quiet).toBeLessThan(1);
    expect(probabilityNoPurchase(p, { x: 4, tx: 50, T: 300 }, 180)).toBeGreaterThan(1 - gone);
  });

  it('MBG/NBD recovers its parameters, and gives one-order customers a P(alive) that falls with time', () => {
    const truth = { r: 0.6, alpha: 50, a: 0.7, b: 1.5 };
    const { params } = fitBgNbd(simulateBgNbd(20_000, truth.r, truth.alpha, truth.a, truth.b, 'mbg'), 'mbg');
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(params[name] / truth[name], name).toBeGreaterThan(0.75);
      expect(params[name] / truth[name], name).toBeLessThan(1.3);
    }
    const fresh = probabilityAlive(params, { x: 0, tx: 0, T: 10 }, 'mbg');
    const old = probabilityAlive(params, { x: 0, tx: 0, T: 400 }, 'mbg');
    expect(fresh).toBeLessThan(1);
    expect(old).toBeLessThan(fresh);
    // One order long ago vs the same customer with a recent repeat: the repeat keeps them alive.
    expect(probabilityAlive(params, { x: 1, tx: 390, T: 400 }, 'mbg')).toBeGreaterThan(old);
    expect(expectedPurchases(params, { x: 0, tx: 0, T: 400 }, 180, 'mbg')).toBeLessThan(expectedPurchases(params, { x: 0, tx: 0, T: 10 }, 180, 'mbg'));
    // With no dropout odds left the two variants differ only by the one-order case.
    expect(probabilityAlive(params, { x: 0, tx: 0, T: 400 }, 'bg')).toBe(1);
  });

  it('rejects impossible summaries', () => {
    expect(() => fitBgNbd([{ x: 1, tx: 10, T: 5 }, { x: 0, tx: 0, T: 5 }])).toThrow(/tx <= T/);
  });
});

describe('Pareto/NBD', () => {
  it('recovers the parameters of simulated customers', () => {
    const truth = { r: 0.6, alpha: 80, s: 0.5, beta: 60 };
    const { params } = fitParetoNbd(simulateParetoNbd(20_000, truth.r, truth.alpha, truth.s, truth.beta));
    for (const name of ['r', 'alpha', 's', 'beta'] as const) {
      expect(params[name] / truth[name], name).toBeGreaterThan(0.75);
      expect(params[name] / truth[name], name).toBeLessThan(1.3);
    }
  });

  it('P(alive) falls with the time since the last order for one-order customers too, and expectations follow', () => {
    const p = { r: 0.6, alpha: 87, s: 0.36, beta: 43 };
    const fresh = paretoProbabilityAlive(p, { x: 0, tx: 0, T: 10 });
    const old = paretoProbabilityAlive(p, { x: 0, tx: 0, T: 400 });
    expect(fresh).toBeLessThan(1);
    expect(old).toBeLessThan(fresh);
    // A purchase on the as-of day: alive for sure.
    expect(paretoProbabilityAlive(p, { x: 3, tx: 300, T: 300 })).toBe(1);
    expect(paretoProbabilityAlive(p, { x: 1, tx: 390, T: 400 })).toBeGreaterThan(old);
    // A customer with thousands of purchase days (2F1 past 1e308 when alpha < beta): still a probability, and it falls with silence.
    const q = { r: 0.6, alpha: 20, s: 0.4, beta: 80 };
    const heavy = [0, 1, 5, 30].map((gap) => paretoProbabilityAlive(q, { x: 3000, tx: 365 - gap, T: 365 }));
    expect(heavy[0]).toBe(1);
    for (let i = 1; i < heavy.length; i++) expect(heavy[i]!).toBeLessThan(heavy[i - 1]!);
    expect(heavy.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(paretoExpectedPurchases(p, { x: 4, tx: 290, T: 300 }, 180)).toBeGreaterThan(paretoExpectedPurchases(p, { x: 4, tx: 50, T: 300 }, 180));
    expect(paretoExpectedPurchases(p, { x: 4, tx: 290, T: 300 }, 360)).toBeGreaterThan(paretoExpectedPurchases(p, { x: 4, tx: 290, T: 300 }, 180));
    // s = 1 takes the limit of (1 - u^(s-1)) / (s-1); it must agree with s just beside 1.
    const one = paretoExpectedPurchases({ ...p, s: 1 }, { x: 2, tx: 100, T: 200 }, 180);
    expect(paretoExpectedPurchases({ ...p, s: 1 + 1e-9 }, { x: 2, tx: 100, T: 200 }, 180)).toBeCloseTo(one, 6);
  });

  it('P(no purchase) agrees with the expected purchases over a short horizon and grows with the gap since the last order', () => {
    const p = { r: 0.6, alpha: 87, s: 0.36, beta: 43 };
    for (const s of [{ x: 0, tx: 0, T: 300 }, { x: 5, tx: 280, T: 300 }, { x: 2, tx: 40, T: 300 }]) {
      // Over a very short horizon at most one purchase happens, so P(some purchase) ~ expected purchases:
      // two independent derivations (the integral here, the note's closed form there) must meet.
      const t = 0.01;
      expect((1 - paretoProbabilityNoPurchase(p, s, t)) / paretoExpectedPurchases(p, s, t)).toBeCloseTo(1, 3);
      const quiet = paretoProbabilityNoPurchase(p, s, 180);
      expect(quiet).toBeGreaterThan(1 - paretoProbabilityAlive(p, s));
      expect(quiet).toBeLessThan(1);
      expect(paretoProbabilityNoPurchase(p, s, 360)).toBeLessThan(quiet);
    }
    expect(paretoProbabilityNoPurchase(p, { x: 5, tx: 100, T: 300 }, 180)).toBeGreaterThan(paretoProbabilityNoPurchase(p, { x: 5, tx: 290, T: 300 }, 180));
  });

  it('takes the death term by quadrature where the 2F1 series would be slow, agreeing with the series where both apply', () => {
    for (const p of [{ r: 0.6, alpha: 87, s: 0.36, beta: 43 }, { r: 0.6, alpha: 20, s: 0.4, beta: 80 }, { r: 0.3, alpha: 5, s: 2, beta: 1 }]) {
      for (const [x, tx, T] of [[0, 0, 300], [3, 100, 300], [40, 290, 700], [12, 0.5, 400]] as const) {
        expect(Math.log(p.r + p.s + x) + logDeathIntegral(p, x, tx, T)).toBeCloseTo(logA0(p, x, tx, T), 10);
      }
    }
  });

  it('rejects impossible summaries and data without a repeat purchase', () => {
    expect(() => fitParetoNbd([{ x: 1, tx: 10, T: 5 }, { x: 0, tx: 0, T: 5 }])).toThrow(/tx <= T/);
    expect(() => fitParetoNbd([{ x: 0, tx: 0, T: 5 }, { x: 0, tx: 0, T: 9 }])).toThrow(/repeat purchase/);
  });
});

describe('Gamma-Gamma', () => {
  it('recovers the parameters of simulated spend and shrinks a customer mean toward the population', () => {
    const truth = { p: 6, q: 4, v: 15 };
    const rows = Array.from({ length: 8_000 }, () => {
      const x = 1 + Math.floor(random() * 6);
      const nu = gamma(truth.q) / truth.v;
      let sum = 0;
      for (let i = 0; i < x; i++) sum += gamma(truth.p) / nu;
      return { x, m: sum / x };
    });
    const { params } = fitGammaGamma(rows);
    expect(params.p / truth.p).toBeGreaterThan(0.8);
    expect(params.p / truth.p).toBeLessThan(1.2);
    expect(params.q / truth.q).toBeGreaterThan(0.8);
    expect(params.q / truth.q).toBeLessThan(1.2);
    const population = expectedSpend(params, { x: 0, m: 0 });
    const big = expectedSpend(params, { x: 2, m: 500 });
    expect(big).toBeLessThan(500);
    expect(big).toBeGreaterThan(population);
  });

  it('computes the likelihood customer by customer as lifetimes writes it, with the x-only terms summed once', () => {
    const rows = Array.from({ length: 500 }, () => ({ x: 1 + Math.floor(random() * 9), m: 1 + random() * 400 }));
    const params = { p: 2.5, q: 3.1, v: 40 };
    const perCustomer =
      -rows.reduce((sum, { x, m }) => {
        const px = params.p * x;
        return sum + logGamma(px + params.q) - logGamma(px) - logGamma(params.q) + params.q * Math.log(params.v) + (px - 1) * Math.log(m) + px * Math.log(x) - (px + params.q) * Math.log(x * m + params.v);
      }, 0) / rows.length;
    expect(gammaGammaNegLogLikelihood(params, rows)).toBeCloseTo(perCustomer, 9);
  });

  it('keeps its parameters in a finite box where the likelihood rises without end (spend that never varies)', () => {
    // Every customer spends the same on every order day: the likelihood keeps rising as p grows and v shrinks.
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ x: 1 + (i % 5), m: 50_000_000 }));
    const { params } = fitGammaGamma(rows);
    for (const value of Object.values(params)) {
      expect(value).toBeGreaterThanOrEqual(Math.exp(-25) * 0.999999);
      expect(value).toBeLessThanOrEqual(Math.exp(25) * 1.000001);
    }
    expect(params.p).toBeGreaterThan(1e9); // pushed to the bound, as the data asks
    for (const row of rows.slice(0, 5)) {
      const spend = expectedSpend(params, row);
      expect(Math.abs(spend - row.m) / row.m).toBeLessThan(1e-6); // no shrinkage without variation
    }
  });
});

describe('customer value', () => {
  const row = (x: number | null, tx: number, T: number, m: number) => ({
    frequency: x === null ? 0 : x + 1,
    avg_order_value: x === null ? null : 40,
    repeat_purchases: x,
    repeat_span_days: x === null ? null : tx,
    customer_age_days: x === null ? null : T,
    order_day_spend_mean: x === null ? null : m,
  });

  it('fits on buyers, scores them over the horizon and leaves never-ordered customers out', () => {
    const rows = simulateBgNbd(3_000, 0.5, 30, 0.8, 2.5).map((s, i) =>
      row(s.x, Math.round(s.tx), Math.round(s.T), s.x > 0 ? 20 + (i % 7) * 5 : 0),
    );
    rows.push(row(null, 0, 0, 0));
    const model = fitCustomerValue(rows, 90, 'pareto-nbd')!;
    expect(model).toMatchObject({ kind: 'pareto-nbd+gamma-gamma', timeUnit: 'day', horizonDays: 90 });
    expect(model.gammaGamma).not.toBeNull();
    expect(customerValue(model, rows[rows.length - 1]!)).toBeUndefined();
    const value = customerValue(model, row(3, 200, 210, 30))!;
    expect(value.pAlive).toBeGreaterThan(0.5);
    // Gamma-Gamma reads every order day, the first included: 3 repeats are 4 observed days.
    expect(value.predictedClv).toBeCloseTo(value.expectedOrders * expectedSpend(model.gammaGamma!, { x: 4, m: 30 }), 9);
    const longer = customerValue({ ...model, horizonDays: 360 }, row(3, 200, 210, 30))!;
    expect(longer.expectedOrders).toBeGreaterThan(value.expectedOrders);
    expect(value.pAlive).toBe(paretoProbabilityAlive(model.kind === 'pareto-nbd+gamma-gamma' ? model.paretoNbd : { r: 1, alpha: 1, s: 1, beta: 1 }, { x: 3, tx: 200, T: 210 }));
    // The product's model (MBG/NBD) is the default; all three score through the same path.
    const mbg = fitCustomerValue(rows, 90)!;
    expect(mbg.kind).toBe('mbgnbd+gamma-gamma');
    const old = customerValue(mbg, row(0, 0, 300, 0))!;
    expect(old.pAlive).toBe(probabilityAlive(mbg.kind === 'mbgnbd+gamma-gamma' ? mbg.bgnbd : { r: 1, alpha: 1, a: 1, b: 1 }, { x: 0, tx: 0, T: 300 }, 'mbg'));
    expect(customerValue(fitCustomerValue(rows, 90, 'bgnbd')!, row(0, 0, 300, 0))!.pAlive).toBe(1);
  });

  it('scores many customers through one scorer as customerValue scores each', () => {
    const rows = simulateBgNbd(2_000, 0.5, 30, 0.8, 2.5).map((s, i) => row(s.x, Math.round(s.tx), Math.round(s.T), s.x > 0 ? 20 + (i % 7) * 5 : 0));
    const model = fitCustomerValue(rows, 180)!;
    const score = customerValueScorer(model);
    // Same (x, tx, T), other spend: the purchase figures are shared, the value is not.
    const cheap = score(row(3, 200, 210, 10))!;
    const dear = score(row(3, 200, 210, 90))!;
    expect(dear.pAlive).toBe(cheap.pAlive);
    expect(dear.predictedClv).toBeGreaterThan(cheap.predictedClv);
    for (const r of [...rows.slice(0, 50), row(3, 200, 210, 90)]) expect(score(r)).toEqual(customerValue(model, r));
  });

  it("values a one-order customer by their own first order's spend, not only the population's mean", () => {
    const rows = simulateBgNbd(2_000, 0.5, 30, 0.8, 2.5).map((s, i) => row(s.x, Math.round(s.tx), Math.round(s.T), 20 + (i % 7) * 5));
    const model = fitCustomerValue(rows, 180)!;
    const small = customerValue(model, row(0, 0, 100, 10))!;
    const large = customerValue(model, row(0, 0, 100, 200))!;
    expect(large.expectedOrders).toBe(small.expectedOrders);
    expect(large.predictedClv).toBeGreaterThan(small.predictedClv * 2);
    expect(large.predictedClv).toBeCloseTo(large.expectedOrders * expectedSpend(model.gammaGamma!, { x: 1, m: 200 }), 9);
  });

  it('has no model without a repeat purchase', () => {
    expect(fitCustomerValue([row(0, 0, 10, 0), row(0, 0, 20, 0)])).toBeUndefined();
    expect(() => fitCustomerValue([], 0)).toThrow(/horizon/);
  });
});
