import {
  TOPICS,
  emptyUsage,
  type BatchResult,
  type ReviewFeatureExtractor,
  type ReviewFeatures,
  type ReviewInput,
} from './review-features.ts';

/**
 * A deterministic, dependency-free extractor: English and simplified Chinese
 * lexicons with negation, intensifiers and "but" clauses. It is the default
 * provider (no network, no model download) and the baseline the LLM providers
 * are compared against, so it fills every schema field the same way the
 * prompt defines them (see prompt.ts).
 */
export class OfflineExtractor implements ReviewFeatureExtractor {
  readonly name = 'offline';
  readonly model = 'rules-v1';

  async extractBatch(reviews: ReviewInput[], signal?: AbortSignal): Promise<BatchResult> {
    signal?.throwIfAborted();
    return {
      outcomes: reviews.map((review) => ({ id: review.id, ok: true, features: extractFeatures(review.text) })),
      usage: emptyUsage(),
    };
  }
}

type Topic = (typeof TOPICS)[number];

interface Term {
  text: string;
  weight: number;
  topic?: Topic;
  kind?: 'negator' | 'intensifier' | 'contrast';
}

// ---------------------------------------------------------------------------
// Lexicons. Each group: weight (negative = unhappy), optional topic, terms
// separated by '|'. Weight-0 terms only name a topic; the clause they sit in
// decides whether it is a complaint ("the quality is bad").

interface Group {
  weight: number;
  topic?: Topic;
  kind?: Term['kind'];
  terms: string;
}

const EN_GROUPS: Group[] = [
  { weight: 0, kind: 'negator', terms: "not|no|never|don't|doesn't|didn't|isn't|wasn't|aren't|weren't|won't|wouldn't|can't|cannot|couldn't|shouldn't|hasn't|haven't|hadn't|dont|doesnt|didnt|isnt|wasnt|wont|cant|nothing|hardly|barely|without|nor|neither" },
  { weight: 0, kind: 'intensifier', terms: 'very|really|so|extremely|super|too|absolutely|incredibly|highly|totally|completely|truly|quite' },
  { weight: 0, kind: 'contrast', terms: 'but|however|although|though' },

  { weight: 2, terms: 'excellent|amazing|awesome|fantastic|perfect|love|loved|loves|wonderful|outstanding|superb|five stars|5 stars' },
  { weight: 1.5, terms: 'great|best|beautiful|gorgeous|perfectly|favorite|favourite' },
  { weight: 1.2, terms: 'happy|pleased|impressed|satisfied|recommend|recommended' },
  { weight: 1, terms: 'good|nice|liked|cute|reliable|comfortable|works great|glad' },
  { weight: 0.5, terms: 'fine|decent|thanks|thank you' },
  { weight: 0.2, terms: 'ok|okay' },
  { weight: -0.5, terms: 'meh|smell|smells' },
  { weight: -0.7, terms: 'problem|problems|issue|issues|mediocre|unfortunately' },
  { weight: -1, terms: 'wrong|annoying|missing|dirty' },
  { weight: -1.5, terms: 'bad|poor|poorly|disappointed|disappointing|disappointment|regret|avoid|waste|fake|damaged|uncomfortable' },
  { weight: -2, terms: 'hate|hated|garbage|junk|useless|one star|1 star' },
  { weight: -2.5, terms: 'terrible|awful|horrible|worst|scam' },

  { weight: 0, topic: 'price', terms: 'price|prices|priced|pricing|cost|costs|money|deal|deals|discount|discounted|coupon|sale|cheap|cheaper' },
  { weight: 1, topic: 'price', terms: 'affordable|bargain|worth|value for money|worth the money|worth every penny' },
  { weight: -0.5, topic: 'price', terms: 'expensive|pricey|costly' },
  { weight: -1.5, topic: 'price', terms: 'overpriced' },
  { weight: -2, topic: 'price', terms: 'rip off|ripoff|waste of money' },

  { weight: 0, topic: 'quality', terms: 'quality|material|materials|fabric|stitching|build' },
  { weight: 1, topic: 'quality', terms: 'solid|premium' },
  { weight: 1.5, topic: 'quality', terms: 'well made|high quality' },
  { weight: -1.5, topic: 'quality', terms: 'flimsy|cheaply made|low quality' },
  { weight: -2, topic: 'quality', terms: 'defective|faulty|poorly made|shoddy' },

  { weight: 0, topic: 'durability', terms: 'lasted|lasts|durability' },
  { weight: 1, topic: 'durability', terms: 'sturdy|still works' },
  { weight: 1.5, topic: 'durability', terms: 'durable' },
  { weight: -1.5, topic: 'durability', terms: 'broke|broken|ripped|tore|torn|cracked|leaking|leaks|wore out' },
  { weight: -2, topic: 'durability', terms: 'fell apart|stopped working|falling apart' },

  { weight: 0, topic: 'delivery', terms: 'delivery|delivered|shipping|shipped|ship|arrived|arrive|arrival|courier|package|parcel|tracking' },
  { weight: 1, topic: 'delivery', terms: 'fast|quick|quickly|on time|promptly' },
  { weight: -1, topic: 'delivery', terms: 'late|delayed|delay|slow|lost' },
  { weight: -2, topic: 'delivery', terms: 'never arrived|never came' },

  { weight: 0, topic: 'customer_service', terms: 'service|support|seller|staff|agent|representative|rep|customer service|customer support' },
  { weight: 1, topic: 'customer_service', terms: 'helpful|responsive|friendly|polite' },
  { weight: -1.5, topic: 'customer_service', terms: 'unhelpful|rude|ignored|no response|no reply|never replied|never responded' },

  { weight: 0, topic: 'sizing_fit', terms: 'size|sizes|sizing|fit|fits|fitted' },
  { weight: -0.5, topic: 'sizing_fit', terms: 'tight|loose|runs small|runs large|runs big' },
  { weight: -1, topic: 'sizing_fit', terms: 'too small|too big|too large|too tight|too loose' },
  { weight: 1, topic: 'sizing_fit', terms: 'true to size|fits well|fits perfectly' },

  { weight: 0, topic: 'packaging', terms: 'packaging|packaged|packed|wrapped|wrapping|box|boxes' },
  { weight: 1, topic: 'packaging', terms: 'well packaged|nicely packaged' },

  { weight: 0, topic: 'usability', terms: 'instructions|setup|set up|manual' },
  { weight: 1, topic: 'usability', terms: 'easy|intuitive|convenient|user friendly|handy' },
  { weight: 1.5, topic: 'usability', terms: 'easy to use' },
  { weight: -1, topic: 'usability', terms: 'confusing|complicated|clunky|hard to use|difficult' },

  { weight: -0.3, topic: 'returns_refunds', terms: 'return|returns|returned|returning|refund|refunds|refunded|exchange|exchanged|money back' },
];

const ZH_GROUPS: Group[] = [
  { weight: 0, kind: 'negator', terms: '不|没|没有|不是|别|无|未|并不|从不|毫无|不太' },
  { weight: 0, kind: 'intensifier', terms: '很|非常|太|超|超级|特别|十分|挺|真|真的|相当|极其' },
  { weight: 0, kind: 'contrast', terms: '但|但是|可是|不过|然而|就是' },
  // Fixed expressions that contain a negator or a sentiment character but mean something else.
  { weight: 0, terms: '不少|不久|不得不|不知道|好像|好久|只好|好几|好多|无论|要不' },
  { weight: 0.2, terms: '差不多|一般般' },

  { weight: 2, terms: '完美|超赞|五星|惊喜|太棒|非常好|爱了|强烈推荐' },
  { weight: 1.5, terms: '很好|喜欢|满意|棒|赞|优秀|好评|给力|靠谱|漂亮|好看|推荐' },
  { weight: 1, terms: '好|不错|舒服|舒适|值得|快乐|开心|正品|清晰' },
  { weight: 0.3, terms: '还好|还行|还可以|凑合' },
  { weight: -0.7, terms: '问题|一般|失误' },
  { weight: -1, terms: '差|异味|难闻|麻烦|后悔|生气|无语' },
  { weight: -1.5, terms: '失望|糟糕|差评|假货|骗|坑|恶心|烂|不推荐|破损' },
  { weight: -2, terms: '垃圾|太差|很差|别买|不要买|千万别买|上当' },

  { weight: 0, topic: 'price', terms: '价格|价钱|价位|性价比|优惠|打折|折扣|降价|活动价|便宜点' },
  { weight: 0.8, topic: 'price', terms: '值|便宜' },
  { weight: 1, topic: 'price', terms: '划算|实惠' },
  { weight: 1.5, topic: 'price', terms: '超值|物美价廉' },
  { weight: -1, topic: 'price', terms: '贵|偏贵|不值' },

  { weight: 0, topic: 'quality', terms: '质量|品质|做工|材质|面料|用料' },
  { weight: 1, topic: 'quality', terms: '精致|精美|质感' },
  { weight: -1, topic: 'quality', terms: '瑕疵|线头' },
  { weight: -1.5, topic: 'quality', terms: '粗糙|劣质|次品|残次' },

  { weight: 0, topic: 'durability', terms: '耐用性|用了' },
  { weight: 1, topic: 'durability', terms: '耐用|结实|牢固' },
  { weight: -1.5, topic: 'durability', terms: '坏|坏了|破了|开线|掉色|褪色|断了|裂了|起球' },

  { weight: 0, topic: 'delivery', terms: '物流|快递|发货|送货|到货|配送|运输' },
  { weight: 0.8, topic: 'delivery', terms: '快|及时|神速' },
  { weight: -1, topic: 'delivery', terms: '慢|太慢|延迟|迟迟|丢件' },

  { weight: 0, topic: 'customer_service', terms: '客服|服务|售后|商家|卖家|店家|掌柜|态度' },
  { weight: 1, topic: 'customer_service', terms: '热情|耐心|专业|周到|贴心' },
  { weight: -1.5, topic: 'customer_service', terms: '敷衍|不理人|不理|不回复|没人回|投诉|推卸' },

  { weight: 0, topic: 'sizing_fit', terms: '尺码|尺寸|大小|码数' },
  { weight: -0.5, topic: 'sizing_fit', terms: '偏大|偏小|太大|太小|偏紧|偏松|太紧|太松' },
  { weight: 1, topic: 'sizing_fit', terms: '合身|合适' },

  { weight: 0, topic: 'packaging', terms: '包装|盒子|箱子|纸箱|外包装' },
  { weight: 1, topic: 'packaging', terms: '包装精美|包装很好' },

  { weight: 0, topic: 'usability', terms: '使用|操作|说明书|安装' },
  { weight: 1, topic: 'usability', terms: '方便|简单|好用|易用|便捷' },
  { weight: -1.5, topic: 'usability', terms: '难用|复杂|不方便' },

  { weight: -0.3, topic: 'returns_refunds', terms: '退货|退款|换货|退换|退钱' },
];

/** Purchase intent cues, checked in this order: a negated cue wins over the cue it negates. */
const EN_INTENT: Array<{ level: ReviewFeatures['purchase_intent']; pattern: RegExp }> = [
  {
    level: 'none',
    pattern:
      /\b(?:won't|wont|will not|never|not going to|wouldn't|would not|don't|do not|can't|cannot|not)\s+(?:\w+\s+){0,2}?(?:buy(?:ing)?|order(?:ing)?|purchas(?:e|ing)|recommend(?:ing)?)\b|\bnever again\b/,
  },
  {
    level: 'high',
    pattern:
      /\b(?:buy|order|purchase|get)(?:ing)?\s+(?:it\s+|this\s+|one\s+|them\s+|more\s+|another(?:\s+one)?\s+)?again\b|\bre-?(?:order(?:ed|ing)?|purchas(?:e|ed|ing)|buy(?:ing)?)\b|\b(?:will|i'll|gonna|going to|plan to|planning to)\s+(?:definitely\s+|certainly\s+|surely\s+)?(?:buy|order|purchase|get)\s+(?:another|more|a second|one more|two more)\b|\b(?:ordering|buying|bought|ordered)\s+(?:another|more|a second|two more|one more|a few more)\b|\bhighly recommend\b|\bmust buy\b/,
  },
  {
    level: 'low',
    pattern:
      /\b(?:might|may|maybe|perhaps|considering|consider|thinking (?:about|of))\b(?:\s+\w+){0,3}?\s+(?:buy(?:ing)?|order(?:ing)?|purchas(?:e|ing)|get(?:ting)?)\b|\bwait(?:ing)? for (?:a |the )?(?:sale|discount|deal|price drop)\b|\bif (?:the )?price (?:drops|goes down)\b|\bwish ?list\b|\brecommend(?:ed)?\b/,
  },
];

const ZH_INTENT: Array<{ level: ReviewFeatures['purchase_intent']; cues: string[] }> = [
  { level: 'none', cues: ['不会再买', '再也不买', '再也不会买', '不会回购', '不回购', '不再购买', '不会再来', '千万别买', '别买', '不要买', '不推荐'] },
  { level: 'high', cues: ['无限回购', '回购', '还会再买', '会再买', '还会买', '再来一单', '下次还买', '下次还来', '还会再来', '囤货', '多买几', '又买了', '强烈推荐', '二次购买'] },
  { level: 'low', cues: ['可能会买', '降价再买', '等降价', '等活动', '再看看', '观望', '考虑', '推荐'] },
];

// ---------------------------------------------------------------------------
// Lexicon indexes, built once.

function buildIndex(groups: Group[]): Map<string, Term[]> {
  const index = new Map<string, Term[]>();
  for (const group of groups) {
    for (const text of group.terms.split('|')) {
      const term: Term = { text, weight: group.weight, topic: group.topic, kind: group.kind };
      // English is indexed by first word, Chinese by first character.
      const key = /[a-z0-9]/.test(text[0] ?? '') ? text.split(' ')[0]! : text[0]!;
      const list = index.get(key) ?? [];
      if (list.some((t) => t.text === text)) throw new Error(`duplicate lexicon term "${text}"`);
      list.push(term);
      index.set(key, list);
    }
  }
  // Longest first, so "fell apart" beats "fell" and 不错 beats 不.
  for (const list of index.values()) list.sort((a, b) => b.text.length - a.text.length);
  return index;
}

const EN_INDEX = buildIndex(EN_GROUPS);
const ZH_INDEX = buildIndex(ZH_GROUPS);

/** A negator reaches this many following words (English) or characters (Chinese). */
const NEGATION_WINDOW = 3;
/** A negated sentiment term flips and weakens ("not good" is milder than "bad"). */
const NEGATION_FACTOR = -0.75;
const INTENSIFIER_FACTOR = 1.5;
/** After "but", the second clause counts more than the first. */
const CONTRAST_BEFORE = 0.5;
const CONTRAST_AFTER = 1.5;
const MAX_KEYWORDS = 8;

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const CJK_GLOBAL = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
const TOKEN = /[a-z0-9]+(?:'[a-z]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[.!?;,:\n。！？；：、]/g;
const PLACEHOLDER = /\[(?:EMAIL|PHONE|CARD|URL)\]/g;

interface Hit {
  keyword: string;
  weight: number;
  topic?: Topic;
  clause: number;
}

/** Walks the text once, collecting weighted lexicon hits with clause numbers. */
class Scanner {
  readonly hits: Hit[] = [];
  private clause = 0;
  private negator: string | null = null;
  private negateLeft = 0;
  private boost = 1;
  private contrast = 1;

  scan(text: string): void {
    for (const match of text.matchAll(TOKEN)) {
      const token = match[0];
      if (CJK.test(token[0]!)) this.scanCjk(token);
      else if (/^[a-z0-9]/.test(token)) this.scanWords(token, match.index + token.length, text);
      else this.breakClause();
    }
  }

  /** English: try phrases starting at this word (longest first), then the word itself. */
  private scanWords(word: string, end: number, text: string): void {
    // The rest of a phrase matched at an earlier word: already counted.
    if (this.phraseWordsLeft > 0) {
      this.phraseWordsLeft -= 1;
      return;
    }
    const candidates = EN_INDEX.get(word);
    const term = candidates?.find((t) => t.text === word || phraseFollows(t.text, word, text, end));
    if (!term) return this.skip();
    this.phraseWordsLeft = term.text.split(' ').length - 1;
    this.apply(term, 'en');
  }

  private phraseWordsLeft = 0;

  private scanCjk(run: string): void {
    let i = 0;
    while (i < run.length) {
      const term = ZH_INDEX.get(run[i]!)?.find((t) => run.startsWith(t.text, i));
      if (term) {
        this.apply(term, 'zh');
        i += term.text.length;
      } else {
        this.skip();
        i += 1;
      }
    }
  }

  private apply(term: Term, lang: 'en' | 'zh'): void {
    if (term.kind === 'negator') {
      this.negator = term.text;
      this.negateLeft = NEGATION_WINDOW;
      return;
    }
    if (term.kind === 'intensifier') {
      this.boost = INTENSIFIER_FACTOR;
      return;
    }
    if (term.kind === 'contrast') {
      for (const hit of this.hits) hit.weight *= CONTRAST_BEFORE;
      this.contrast = CONTRAST_AFTER;
      this.breakClause();
      return;
    }
    const negated = this.negateLeft > 0 && term.weight !== 0;
    const weight = term.weight * this.boost * this.contrast * (negated ? NEGATION_FACTOR : 1);
    const keyword = negated ? (lang === 'en' ? `not ${term.text}` : `${this.negator}${term.text}`) : term.text;
    this.hits.push({ keyword, weight, topic: term.topic, clause: this.clause });
    if (term.weight !== 0) {
      this.negateLeft = 0;
      this.boost = 1;
    }
  }

  /** A word or character that is not in the lexicon. */
  private skip(): void {
    if (this.negateLeft > 0) this.negateLeft -= 1;
    if (this.negateLeft === 0) this.boost = 1;
  }

  private breakClause(): void {
    this.clause += 1;
    this.negateLeft = 0;
    this.boost = 1;
    this.phraseWordsLeft = 0;
  }
}

/** True when `phrase` (several words, the first being `first`) continues at text[end...]. */
function phraseFollows(phrase: string, first: string, text: string, end: number): boolean {
  if (!phrase.includes(' ')) return false;
  const rest = phrase.slice(first.length);
  if (!text.startsWith(rest, end)) return false;
  const after = text[end + rest.length];
  return after === undefined || !/[a-z0-9']/.test(after);
}

/** The whole rule set for one review; pure and synchronous. */
export function extractFeatures(rawText: string): ReviewFeatures {
  const text = rawText.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019`]/g, "'").replace(/\s+/g, ' ');
  const scanner = new Scanner();
  scanner.scan(text);
  const hits = scanner.hits;

  const sum = hits.reduce((total, hit) => total + hit.weight, 0);
  // Squash the open-ended sum into [-1, 1]; one plain "good" lands near 0.45.
  const score = round3(sum / Math.sqrt(sum * sum + 4));
  // A lone "ok" (0.1) stays neutral; a lone "fine" (0.24) is positive.
  const sentiment_label = score >= 0.15 ? 'positive' : score <= -0.15 ? 'negative' : 'neutral';

  const topicSet = new Set<Topic>();
  const clauseSums = new Map<number, number>();
  for (const hit of hits) clauseSums.set(hit.clause, (clauseSums.get(hit.clause) ?? 0) + hit.weight);
  const complaintTopics = new Set<Topic>();
  for (const hit of hits) {
    if (!hit.topic) continue;
    topicSet.add(hit.topic);
    if ((clauseSums.get(hit.clause) ?? 0) < 0) complaintTopics.add(hit.topic);
  }
  const topics = TOPICS.filter((topic) => topicSet.has(topic));

  const keywords: string[] = [];
  for (const hit of hits) {
    if (keywords.length >= MAX_KEYWORDS) break;
    if (!keywords.includes(hit.keyword)) keywords.push(hit.keyword);
  }

  const intent = purchaseIntent(text);
  return {
    sentiment_label,
    sentiment_score: Object.is(score, -0) ? 0 : score,
    purchase_intent: intent.level,
    intent_cue: intent.cue,
    topics: topics.length > 0 ? topics : ['other'],
    keywords,
    price_sensitive: topicSet.has('price'),
    quality_complaint: complaintTopics.has('quality') || complaintTopics.has('durability'),
    service_complaint: complaintTopics.has('customer_service'),
    language: detectLanguage(rawText),
  };
}

function purchaseIntent(text: string): { level: ReviewFeatures['purchase_intent']; cue: string | null } {
  for (const level of ['none', 'high', 'low'] as const) {
    const en = EN_INTENT.find((rule) => rule.level === level)!.pattern.exec(text);
    if (en) return { level, cue: en[0] };
    const zh = ZH_INTENT.find((rule) => rule.level === level)!.cues.find((cue) => text.includes(cue));
    if (zh) return { level, cue: zh };
  }
  return { level: 'none', cue: null };
}

/**
 * 'zh' when Chinese characters dominate. A character carries about as much
 * as three Latin letters, so that is the exchange rate; redaction
 * placeholders ([EMAIL]...) are not the reviewer's words and do not count.
 */
export function detectLanguage(text: string): 'zh' | 'en' {
  const clean = text.replace(PLACEHOLDER, ' ');
  const cjk = clean.match(CJK_GLOBAL)?.length ?? 0;
  if (cjk === 0) return 'en';
  const latin = clean.match(/[A-Za-z]/g)?.length ?? 0;
  return cjk * 3 >= latin ? 'zh' : 'en';
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
