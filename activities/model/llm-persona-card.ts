import OpenAI from 'openai';
import { z } from 'zod';
import type { LlmConfig } from '../../worker/config.ts';
import { redactPII } from '../llm/redact.ts';
import type { PersonaCard } from './persona-card.ts';
import type { PersonaCardWriter, SegmentCardInput } from './segment-cards.ts';

/**
 * Persona cards written by an OpenAI-compatible model (provider `openai`, the
 * same endpoint, model and key as review extraction). One request per
 * segment, structured output (a strict JSON schema, or JSON mode for servers
 * without it; zod validates the reply either way). The model sees the
 * segment's feature means against the population's, its share of customers,
 * its own facts (segment-facts.ts) and reasons, the rule-based card, and up to five reviews of its most typical customers,
 * redacted with activities/llm/redact.ts; never a customer id.
 *
 * Any failure (transport, refusal, invalid reply) throws; buildSegmentCards
 * then keeps the rule-based cards. Transport retries are the openai client's
 * (maxRetries), the only retry on this path.
 */
export const CARD_PROMPT_VERSION = 'persona-card/v2';

const CardSchema = z.object({
  name: z.string().min(3).max(60),
  description: z.string().min(20).max(600),
  suggested_actions: z.array(z.string().min(5).max(200)).min(2).max(4),
});

const CARD_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(CardSchema, { target: 'draft-7' });
  return schema;
})();

export const CARD_SYSTEM_PROMPT = `You write persona cards for customer segments of an online shop (${CARD_PROMPT_VERSION}).
Given one segment's average behaviour next to all customers' and a few of its reviews, reply with JSON:
name: a short persona name (2-4 words) a marketer would use, e.g. "Loyal high spenders";
description: exactly two sentences: who they are, then what sets them apart, citing only the segment's own numbers (all_customers values are context, never cite them);
suggested_actions: 2-4 concrete marketing actions for this segment, each backed by the segment's own data (no category advice when categories_known is false, no complaint handling without negative reviews, no cart reminders unless its cart abandonment stands out).
segment_facts are shares of the segment's own customers; "lapsed" means no order for longer than lapse_days.
Base everything on the numbers given; do not invent facts.`;

/** The user message for one segment: plain JSON, rounded numbers, redacted reviews. */
export function cardMessage(input: SegmentCardInput): string {
  const round = (v: number) => Math.round(v * 100) / 100;
  const features = Object.keys(input.means).map((name) => ({
    feature: name,
    segment: round(input.means[name]!),
    all_customers: input.population[name] === undefined ? null : round(input.population[name]!),
  }));
  return JSON.stringify({
    share_of_customers: round(input.size / Math.max(input.total, 1)),
    customers: input.size,
    features,
    segment_facts: {
      never_ordered: round(input.facts.neverOrderedShare),
      bought_on_two_or_more_days: round(input.facts.repeatShare),
      steady: round(input.facts.steadyShare),
      lapsed: round(input.facts.lapsedShare),
      median_days_since_last_order: input.facts.medianRecency === undefined ? null : Math.round(input.facts.medianRecency),
      categories_known: input.facts.categoryShare >= 0.5,
      reviewing: round(input.facts.reviewedShare),
    },
    why_this_segment: input.reasons,
    rule_based_card: { name: input.ruleCard.name, description: input.ruleCard.description },
    reviews: input.sampleReviews.slice(0, 5).map((text) => redactPII(text).slice(0, 500)),
  });
}

export class OpenAIPersonaCardWriter implements PersonaCardWriter {
  readonly name = 'openai';
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly structured: boolean;

  constructor(config: LlmConfig) {
    this.model = config.model;
    this.structured = config.structuredOutput === 'json_schema';
    this.client = new OpenAI({
      baseURL: config.baseURL,
      // Local OpenAI-compatible servers need no key, but the client insists on one.
      apiKey: config.apiKey ?? 'unused',
      // Explicit, so the client does not read them from the environment (config.ts is the only reader).
      organization: null,
      project: null,
      maxRetries: Math.max(0, config.maxAttempts - 1),
      timeout: config.timeoutMs,
      logLevel: 'warn',
    });
  }

  async write(inputs: readonly SegmentCardInput[]): Promise<PersonaCard[]> {
    const cards: PersonaCard[] = [];
    for (const input of inputs) cards.push(await this.writeOne(input));
    return cards;
  }

  private async writeOne(input: SegmentCardInput): Promise<PersonaCard> {
    const completion = await this.client.chat.completions.create({
      model: this.model,
      temperature: 0,
      messages: [
        { role: 'system', content: CARD_SYSTEM_PROMPT },
        { role: 'user', content: cardMessage(input) },
      ],
      response_format: this.structured
        ? { type: 'json_schema', json_schema: { name: 'persona_card', strict: true, schema: CARD_JSON_SCHEMA } }
        : { type: 'json_object' },
    });
    const content = completion.choices[0]?.message?.content;
    if (!content) throw new Error(`persona card for segment ${input.segmentId}: empty reply`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      // JSON.parse quotes the reply in its message; the reply is model output about customers.
      throw new Error(`persona card for segment ${input.segmentId}: the reply is not JSON`);
    }
    const card = CardSchema.parse(parsed);
    return { name: card.name.trim(), description: card.description.trim(), suggestedActions: card.suggested_actions };
  }
}

/** The card writer for the configured provider: an LLM for `openai`, none (rule-based cards) otherwise. */
export function createPersonaCardWriter(config: LlmConfig): PersonaCardWriter | undefined {
  return config.provider === 'openai' ? new OpenAIPersonaCardWriter(config) : undefined;
}
