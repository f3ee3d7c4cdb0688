import { CATEGORIES, unitPriceCents, type Category } from './catalog.ts';
import { makePerson, type Language, type Person } from './people.ts';
import {
  BEHAVIOUR,
  PERSONAS,
  PERSONA_SHARES,
  type Intent,
  type Persona,
  type PersonaBehaviour,
  type Sentiment,
} from './personas.ts';
import { Rng, STREAM } from './prng.ts';
import { pickTopics, ratingFor, reviewText } from './review-text.ts';
import { DAY, MINUTE, MONTH_DAYS, randomMoment } from './time.ts';

/**
 * One customer's whole history (profile, orders, sessions, reviews), drawn
 * from the customer's own random stream. Generation is per customer so the
 * writer only ever holds one customer's rows in memory, whatever the scale.
 * Ids are not assigned here: the writer numbers rows in file order.
 */

export type OrderStatus = 'completed' | 'cancelled' | 'refunded';

export interface CustomerProfile {
  persona: Persona;
  person: Person;
  signupAt: number;
  /** Optional contract columns left empty for this customer (valid, just missing). */
  hideCountry: boolean;
  hideBirthYear: boolean;
  hideEmail: boolean;
}

export interface OrderEvent {
  at: number;
  category: Category | null;
  quantity: number;
  unitPriceCents: number;
  discountCents: number;
  status: OrderStatus;
}

export interface SessionEvent {
  at: number;
  durationS: number;
  pageViews: number | null;
  category: Category | null;
  addedToCart: boolean;
}

export interface ReviewLabels {
  sentiment: Sentiment;
  intent: Intent;
  priceSensitive: boolean;
  language: Language;
}

export interface ReviewEvent {
  at: number;
  rating: number | null;
  text: string;
  category: Category | null;
  labels: ReviewLabels;
}

export interface CustomerHistory {
  profile: CustomerProfile;
  orders: OrderEvent[];
  sessions: SessionEvent[];
  reviews: ReviewEvent[];
}

export interface SimulationContext {
  seed: number;
  /** As-of time in epoch seconds. */
  asOf: number;
}

/** Events that may spill past as-of land within this window after it. */
const FUTURE_WINDOW_S = 30 * DAY;
/** Share of lapsed customers who come back with one order just after as-of. */
const LAPSED_COMEBACK = 0.08;
const PII_SHARE = 0.03;
const MAX_ORDERS = 150;
const MAX_REVIEWS = 10;
/** Review sentiment [negative, neutral, positive] after a refund, for customers who are not habitual complainers. */
const REFUNDED_SENTIMENT = [0.5, 0.4, 0.1] as const;

export function simulateCustomer(index: number, ctx: SimulationContext): CustomerHistory {
  const rng = Rng.derive(ctx.seed, STREAM.customer, index);
  const persona = PERSONAS[rng.weighted(PERSONA_SHARES)] as Persona;
  const b = BEHAVIOUR[persona];
  const person = makePerson(rng);
  const { asOf } = ctx;

  const signupAt = randomMoment(rng, asOf - b.signupDaysAgo[1] * DAY, asOf - b.signupDaysAgo[0] * DAY);
  const stopAt = b.stopDaysAgo[1] > 0 ? Math.floor(asOf - rng.uniform(b.stopDaysAgo[0], b.stopDaysAgo[1]) * DAY) : asOf;
  const profile: CustomerProfile = {
    persona,
    person,
    signupAt,
    hideCountry: rng.chance(0.01),
    hideBirthYear: rng.chance(0.04),
    hideEmail: rng.chance(0.03),
  };

  // Personal tilt on the persona's category affinity, so each customer has favourites.
  const categoryWeights = CATEGORIES.map((c) => b.categoryWeights[c] * Math.exp(0.8 * rng.normal()));
  const pickCategory = (): Category => CATEGORIES[rng.weighted(categoryWeights)] as Category;
  /** Moves an event past as-of with the persona's small probability. */
  const maybeFuture = (at: number): number =>
    rng.chance(b.futureChance) ? asOf + rng.int(MINUTE, FUTURE_WINDOW_S) : at;

  const orders = simulateOrders(rng, b, signupAt, stopAt, pickCategory, maybeFuture);
  if (persona === 'lapsed' && rng.chance(LAPSED_COMEBACK)) {
    // A comeback after as-of: a run that ignores as-of would wrongly see this customer as active.
    orders.push(makeOrder(rng, b, asOf + rng.int(MINUTE, FUTURE_WINDOW_S), pickCategory()));
  }
  orders.sort((x, y) => x.at - y.at);

  const sessions = simulateSessions(rng, b, orders, signupAt, stopAt, asOf, pickCategory, maybeFuture);
  const reviews = simulateReviews(rng, persona, person, orders, asOf, pickCategory);
  return { profile, orders, sessions, reviews };
}

function simulateOrders(
  rng: Rng,
  b: PersonaBehaviour,
  signupAt: number,
  stopAt: number,
  pickCategory: () => Category,
  maybeFuture: (at: number) => number,
): OrderEvent[] {
  const start = signupAt + rng.int(MINUTE * 10, 5 * DAY);
  if (start >= stopAt) return [];
  const months = (stopAt - start) / DAY / MONTH_DAYS;
  const count = b.orderCountWeights
    ? rng.weighted(b.orderCountWeights)
    : Math.min(MAX_ORDERS, rng.poisson(rng.uniform(b.ordersPerMonth[0], b.ordersPerMonth[1]) * months));
  const orders: OrderEvent[] = [];
  for (let i = 0; i < count; i++) {
    orders.push(makeOrder(rng, b, maybeFuture(randomMoment(rng, start, stopAt)), pickCategory()));
  }
  return orders;
}

function makeOrder(rng: Rng, b: PersonaBehaviour, at: number, category: Category): OrderEvent {
  const quantity = rng.weighted(b.quantityWeights) + 1;
  const unit = unitPriceCents(rng, category, rng.uniform(b.priceQuantile[0], b.priceQuantile[1]));
  const discountCents = rng.chance(b.discountChance)
    ? Math.round(unit * quantity * rng.uniform(b.discountShare[0], b.discountShare[1]))
    : 0;
  const u = rng.next();
  const status: OrderStatus = u < b.cancelRate ? 'cancelled' : u < b.cancelRate + b.refundRate ? 'refunded' : 'completed';
  // A few orders lack a category: optional in the contract, so a loader must cope.
  const shownCategory = rng.chance(0.005) ? null : category;
  return { at, category: shownCategory, quantity, unitPriceCents: unit, discountCents, status };
}

function simulateSessions(
  rng: Rng,
  b: PersonaBehaviour,
  orders: readonly OrderEvent[],
  signupAt: number,
  stopAt: number,
  asOf: number,
  pickCategory: () => Category,
  maybeFuture: (at: number) => number,
): SessionEvent[] {
  const sessions: SessionEvent[] = [];
  const session = (at: number, category: Category | null, addedToCart: boolean): SessionEvent => {
    const durationS = Math.round(Math.min(4 * 3600, Math.max(5, rng.logNormal(b.sessionMedianS, 0.7))));
    const pageViews = Math.max(1, Math.round((durationS / 40) * Math.exp(0.3 * rng.normal())));
    return { at, durationS, pageViews: rng.chance(0.01) ? null : pageViews, category, addedToCart };
  };

  // Most orders follow a session that put the item in the cart (so carts are not "abandoned").
  for (const order of orders) {
    if (rng.chance(b.preOrderSessionChance)) {
      const at = Math.max(signupAt, order.at - rng.int(2 * MINUTE, 90 * MINUTE));
      sessions.push(session(at, order.category, true));
    }
  }
  // Background browsing while active, and (for lapsed customers) the trickle after stopping.
  const browse = (from: number, to: number, perMonth: number): void => {
    if (to <= from || perMonth <= 0) return;
    const count = rng.poisson((perMonth * (to - from)) / DAY / MONTH_DAYS);
    for (let i = 0; i < count; i++) {
      const at = maybeFuture(randomMoment(rng, from, to));
      const category = rng.chance(0.01) ? null : pickCategory();
      sessions.push(session(at, category, rng.chance(b.browseCartChance)));
    }
  };
  browse(signupAt, stopAt, b.browsePerMonth);
  browse(stopAt, asOf, b.browsePerMonthAfterStop);
  sessions.sort((x, y) => x.at - y.at);
  return sessions;
}

function simulateReviews(
  rng: Rng,
  persona: Persona,
  person: Person,
  orders: readonly OrderEvent[],
  asOf: number,
  pickCategory: () => Category,
): ReviewEvent[] {
  const b = BEHAVIOUR[persona];
  const reviews: ReviewEvent[] = [];
  for (const order of orders) {
    // Nobody reviews a cancelled order, or (before as-of) an order placed after it.
    if (order.status === 'cancelled' || order.at > asOf || reviews.length >= MAX_REVIEWS) continue;
    const refunded = order.status === 'refunded';
    if (!rng.chance(refunded ? b.reviewChanceRefunded : b.reviewChance)) continue;

    // A refunded order reads worse, but only unhappy reviewers turn it into a rant every time.
    const sentimentWeights = refunded && persona !== 'unhappy_reviewer' ? REFUNDED_SENTIMENT : b.sentimentWeights;
    const sentiment = (['negative', 'neutral', 'positive'] as const)[rng.weighted(sentimentWeights)] as Sentiment;
    const intent = (['none', 'low', 'high'] as const)[rng.weighted(b.intentWeights[sentiment])] as Intent;
    const priceCue = rng.chance(b.priceCueChance);
    const category = order.category ?? pickCategory();
    const topics = pickTopics(rng, sentiment, category, persona === 'unhappy_reviewer');
    const pii = rng.chance(PII_SHARE) ? (rng.chance(0.5) ? 'email' : 'phone') : undefined;
    const text = reviewText(rng, {
      language: person.language,
      sentiment,
      intent,
      priceCue,
      category,
      topics,
      pii,
      email: person.email,
    });
    const rating = ratingFor(rng, sentiment);
    reviews.push({
      // Written a day to two weeks after the order, so recent orders' reviews can fall after as-of.
      at: order.at + rng.int(DAY, 14 * DAY),
      rating: rng.chance(0.01) ? null : rating,
      text,
      category: rng.chance(0.02) ? null : category,
      labels: { sentiment, intent, priceSensitive: priceCue, language: person.language },
    });
  }
  reviews.sort((x, y) => x.at - y.at);
  return reviews;
}
