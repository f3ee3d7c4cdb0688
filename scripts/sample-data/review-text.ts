import { PRODUCTS, SIZED_CATEGORIES, type Category } from './catalog.ts';
import { fakePhone, type Language } from './people.ts';
import type { Intent, Sentiment } from './personas.ts';
import type { Rng } from './prng.ts';

/**
 * Review text assembled from sentence banks: an opener, one or two sentences
 * about an aspect (quality, delivery, service...), an optional price remark,
 * a purchase-intent cue and, rarely, contact details (PII). Each part is
 * chosen to match the labels written to _truth/review_labels.csv, so the
 * text itself carries the sentiment, intent and price sensitivity that
 * extraction is later scored on.
 */

export type Topic =
  | 'quality'
  | 'delivery'
  | 'customer_service'
  | 'sizing_fit'
  | 'packaging'
  | 'usability'
  | 'durability'
  | 'returns_refunds';

export interface ReviewSpec {
  language: Language;
  sentiment: Sentiment;
  intent: Intent;
  /** The text talks about price, sales or coupons (truth: price_sensitive). */
  priceCue: boolean;
  category: Category;
  topics: readonly Topic[];
  /** Contact details to leak into the text, if any. */
  pii?: 'email' | 'phone';
  /** The customer's own e-mail, used when pii is 'email'. */
  email: string;
}

type Bank = readonly string[];
type BySentiment<T> = Record<Sentiment, T>;

/** How a category's "quality" is described: gadgets break, clothes fray, food is tasted. */
type QualityKind = 'device' | 'wear' | 'goods' | 'food' | 'book' | 'beauty';
const QUALITY_KIND: Record<Category, QualityKind> = {
  electronics: 'device',
  fashion: 'wear',
  home: 'goods',
  beauty: 'beauty',
  sports: 'wear',
  books: 'book',
  toys: 'goods',
  grocery: 'food',
};

interface LanguageBank {
  join: string;
  who: Bank;
  openers: BySentiment<Bank>;
  quality: BySentiment<Record<QualityKind, Bank>>;
  aspects: BySentiment<Partial<Record<Exclude<Topic, 'quality'>, Bank>>>;
  price: BySentiment<Bank>;
  intent: { high: Bank; highPrice: Bank; low: Bank; lowPrice: Bank; lowAfterComplaint: Bank; none: Bank; noneMild: Bank };
  filler: Bank;
  pii: { email: Bank; phone: Bank };
}

const EN: LanguageBank = {
  join: ' ',
  who: ['my mum', 'my dad', 'my sister', 'my brother', 'my best friend', 'my partner', 'a colleague'],
  openers: {
    positive: [
      'Really happy with this {p}.',
      'Love the {p}!',
      'Excellent {p}, exactly as described.',
      'Great {p}, better than I expected.',
      'This {p} is fantastic.',
      'Very pleased with my new {p}.',
      'Five stars, the {p} is just what I wanted.',
      "Couldn't be happier with the {p}.",
      'Bought the {p} for {who} and they love it.',
    ],
    neutral: [
      'The {p} is okay.',
      'Decent {p}, nothing special.',
      "It's an average {p}.",
      'The {p} does the job.',
      'Mixed feelings about this {p}.',
      'The {p} is fine for everyday use.',
      "Not bad, not great: a middle-of-the-road {p}.",
      "The {p} is about what you'd expect.",
    ],
    negative: [
      'Really disappointed with this {p}.',
      'Terrible {p}.',
      'Do not buy this {p}.',
      'Worst {p} I have ever bought.',
      'Very unhappy with the {p}.',
      'The {p} was a huge letdown.',
      'Awful experience with this {p}.',
      'I regret ordering this {p}.',
    ],
  },
  quality: {
    positive: {
      device: ['The build quality is excellent and it feels premium.', 'Battery life is great and it feels solid.'],
      wear: ['The fabric feels soft and well made.', 'Materials are solid and nicely finished.'],
      goods: ['You can tell it is well made.', 'Solid, and nicely finished.'],
      food: ['Tastes great and arrived fresh.', 'Rich flavour, much better than the supermarket brand.'],
      book: ['Beautifully printed and a gripping read.', 'Lovely edition, I finished it in two evenings.'],
      beauty: ['My skin feels great after a week.', 'Smells lovely and a little goes a long way.'],
    },
    neutral: {
      device: ['It works, but the battery could last longer.', 'Quality is fine but not outstanding.'],
      wear: ['The fabric is a bit thinner than I expected.', 'Quality is fine but not outstanding.'],
      goods: ['Quality is fine but not outstanding.', 'It feels a bit lighter than I expected, but it is fine.'],
      food: ['The taste is fine, a bit bland.', 'Tastes alright, nothing memorable.'],
      book: ['An easy read, though the ending dragged.', 'Some chapters are good, others are slow.'],
      beauty: ['It works, but the scent is a little strong.', 'Hard to see much difference so far.'],
    },
    negative: {
      device: ['It stopped working after {n} days.', 'The battery dies within an hour.', 'It feels cheap and flimsy.'],
      wear: ['The stitching came apart after two washes.', 'The colour faded after the first wash.', 'It feels cheap and flimsy.'],
      goods: ['It feels cheap and flimsy.', 'The colour is nothing like the photos and the material is poor.', 'A part snapped off on the first day.'],
      food: ['It tasted stale and was close to its best-before date.', 'Half of it was crushed and it tasted off.'],
      book: ['Pages were misprinted and the binding came loose.', 'Several pages were missing.'],
      beauty: ['It gave me a rash and smells awful.', 'Dried out my skin badly.'],
    },
  },
  aspects: {
    positive: {
      delivery: ['It arrived a day early and well packed.', 'Delivery was quick and the courier was friendly.', 'Shipping took only two days.'],
      customer_service: ['Support answered my question within an hour.', 'The seller was very helpful when I had a question.'],
      sizing_fit: ['Fits true to size.', 'The fit is perfect.'],
      packaging: ['Lovely packaging, it would make a great gift.', 'Packaging was neat and plastic-free.'],
      usability: ['Easy to set up and use.', 'Works perfectly straight out of the box.'],
      durability: ['Still going strong after {w} weeks of daily use.', 'Holds up really well after months of use.'],
    },
    neutral: {
      delivery: ['Delivery took about a week, as promised.', 'Shipping was a little slow but it arrived.'],
      customer_service: ['I had to contact support once; they sorted it out eventually.'],
      sizing_fit: ['Runs slightly small, so consider sizing up.', 'The fit is a little loose around the waist.'],
      packaging: ['Packaging was a bit excessive for such a small item.', 'The box was slightly dented but the contents were fine.'],
      usability: ['Setup took a while but it works.', 'The instructions could be clearer.'],
      durability: ['Too early to say how long it will last.', "Some signs of wear after {w} weeks, we'll see."],
    },
    negative: {
      delivery: ['It arrived two weeks late and the box was crushed.', 'The parcel was lost and I had to chase it for days.'],
      customer_service: [
        'Customer service never replied to my emails.',
        'Support kept me on hold for forty minutes and then hung up.',
        'The agent was rude and refused to help.',
      ],
      sizing_fit: ['Sizing is way off, at least two sizes too small.', 'Does not fit at all, the sleeves are far too short.'],
      packaging: ['It came in a torn bag with parts missing.', 'The packaging was damaged and the item was scratched.'],
      usability: ['It keeps disconnecting and the buttons are confusing.', 'Impossible to set up, the manual is useless.'],
      durability: ['Broke after {n} days of normal use.', 'Fell apart within a month.'],
      returns_refunds: [
        'The refund took over a month to arrive.',
        'Returning it was a nightmare, they kept rejecting the return.',
        'I sent it back weeks ago and still no refund.',
      ],
    },
  },
  price: {
    positive: [
      'Waited for the sale and got it for {pct}% off, totally worth it.',
      'Great deal with the coupon code.',
      "I would never pay full price, but at this discount it's a steal.",
      'Grabbed it in the flash sale, excellent value for money.',
      'Cheaper than anywhere else with the discount.',
    ],
    neutral: [
      'Too expensive at full price, but fine on sale.',
      'Only worth it with a discount.',
      "I'd wait for a promotion before buying.",
      'The price dropped a week after I bought it, which was annoying.',
      'Decent for what I paid with the coupon.',
    ],
    negative: ['Way overpriced for what you get.', 'Not worth the money, even on sale.', 'Far too expensive for this quality.'],
  },
  intent: {
    high: [
      'Will buy again.',
      'Ordering another one for {who}.',
      'Already ordered a second one.',
      'Definitely buying this again.',
      'Will be back for more.',
      'Buying one for {who} too.',
    ],
    highPrice: ["Stocking up next time there's a sale.", 'Will buy again at this price.'],
    low: ['Might buy again.', "Maybe I'll order another one later.", 'Could buy again, not sure yet.', 'Might get one as a gift.'],
    lowPrice: ['Might buy again if it goes on sale.', "I'd buy another one with a coupon."],
    lowAfterComplaint: ['Might give them another chance if they fix this.', "Maybe I'll try a different model next time."],
    none: [
      'Never again.',
      "I won't be buying from this shop again.",
      'Not ordering this again.',
      'Returning it and done with this brand.',
      'Never ordering here again.',
    ],
    noneMild: ['One is enough for me, no plans to buy more.', "Don't need another one."],
  },
  filler: ['I use it almost every day.', 'Ordered it after reading other reviews.', 'Bought it for {who}.', 'Second time ordering from this shop.'],
  pii: {
    email: ['Feel free to email me at {email} if you have questions.', 'Seller, please contact me at {email} about this.'],
    phone: ['Call me on {phone} if you need more details.', 'You can reach me at {phone}.'],
  },
};

const ZH: LanguageBank = {
  join: '',
  who: ['妈妈', '爸爸', '妹妹', '哥哥', '朋友', '同事', '老公', '老婆'],
  openers: {
    positive: ['这个{p}非常好，很满意！', '{p}质量很好，和描述的一样。', '很喜欢这款{p}。', '{p}超出预期，五星好评！', '{p}是买给{who}的礼物，收到后很开心。'],
    neutral: ['{p}还可以，一般般。', '{p}中规中矩，没什么特别的。', '这个{p}能用，但也没有特别惊喜。', '{p}整体还行。'],
    negative: ['这个{p}太差了，非常失望。', '千万别买这个{p}。', '这是我买过最差的{p}。', '对这个{p}很不满意。', '后悔买了这个{p}。'],
  },
  quality: {
    positive: {
      device: ['做工精细，手感很好。', '续航很给力，用起来很稳定。'],
      wear: ['面料柔软，做工很好。', '材质很扎实，细节处理得很好。'],
      goods: ['做工精细，很结实。', '细节处理得很好。'],
      food: ['味道很好，很新鲜。', '口感浓郁，比超市买的好多了。'],
      book: ['印刷清晰，内容很精彩。', '装帧很漂亮，两个晚上就看完了。'],
      beauty: ['用了一周皮肤状态好多了。', '味道很好闻，很好推开。'],
    },
    neutral: {
      device: ['能用，但是续航一般。', '质量一般，没有想象中那么好。'],
      wear: ['面料比想象中薄一点。', '质量一般，没有想象中那么好。'],
      goods: ['质量一般，没有想象中那么好。', '比想象中轻一点，不过还行。'],
      food: ['味道还行，稍微淡了点。', '口感一般，没什么记忆点。'],
      book: ['内容还可以，结尾有点拖沓。', '有些章节不错，有些比较慢。'],
      beauty: ['效果一般，味道有点重。', '暂时没看出什么效果。'],
    },
    negative: {
      device: ['用了{n}天就坏了。', '电池一个小时就没电了。', '做工粗糙，质量很差。'],
      wear: ['洗了两次就开线了。', '洗一次就掉色了。', '做工粗糙，质量很差。'],
      goods: ['做工粗糙，质量很差。', '颜色和图片完全不一样，材质也很差。', '第一天就断了一个零件。'],
      food: ['味道不新鲜，好像快过期了。', '一半都压碎了，味道也不对。'],
      book: ['印刷有错页，装订也散了。', '缺了好几页。'],
      beauty: ['用了过敏，味道也很难闻。', '用完皮肤特别干。'],
    },
  },
  aspects: {
    positive: {
      delivery: ['物流很快，第二天就到了。', '快递小哥态度很好，送货很快。'],
      customer_service: ['客服回复很及时，态度也好。', '有问题问卖家，很耐心地解答了。'],
      sizing_fit: ['尺码标准，很合身。', '穿着很舒服，大小正好。'],
      packaging: ['包装很精美，适合送人。', '包装很用心，没有破损。'],
      usability: ['操作简单，开箱即用。', '安装很方便，一下就会用了。'],
      durability: ['用了{w}周了，依然很好用。', '用了几个月还跟新的一样。'],
    },
    neutral: {
      delivery: ['快递一周左右到的，正常速度。', '物流稍微慢了点，不过到了。'],
      customer_service: ['联系过一次客服，最后解决了。'],
      sizing_fit: ['尺码偏小，建议买大一号。', '腰部稍微有点松。'],
      packaging: ['包装有点过度了。', '盒子有点压痕，东西没坏。'],
      usability: ['安装花了点时间，说明书不太清楚。', '功能还行，就是设置有点麻烦。'],
      durability: ['刚用不久，耐不耐用还不好说。', '用了{w}周有点磨损，再看看吧。'],
    },
    negative: {
      delivery: ['快递晚了两个星期，盒子都压坏了。', '包裹丢了，催了好几天才找到。'],
      customer_service: ['客服一直不回复，态度也很差。', '打客服电话等了四十分钟，最后直接挂了。'],
      sizing_fit: ['尺码严重不准，小了两个号。', '完全穿不上，袖子太短了。'],
      packaging: ['包装破损，还少了配件。', '包装坏了，东西也有划痕。'],
      usability: ['连接总是断开，操作很麻烦。', '根本装不上，说明书没用。'],
      durability: ['正常使用{n}天就坏了。', '不到一个月就散架了。'],
      returns_refunds: ['退款拖了一个多月还没到账。', '退货流程太麻烦了，一直被拒。', '寄回去好几周了，还是没退款。'],
    },
  },
  price: {
    positive: ['等到打折才买的，很划算。', '用了优惠券，性价比很高。', '活动价买的，非常值。', '趁大促买的，便宜了{pct}%。'],
    neutral: ['原价太贵了，打折的时候买还行。', '不打折的话不太值得买。', '刚买完就降价了，有点郁闷。'],
    negative: ['太贵了，根本不值这个价。', '就算打折也不值这个钱。'],
  },
  intent: {
    high: ['还会回购的！', '已经给{who}也下单了一个。', '下次还会再买。', '准备再买一个。'],
    highPrice: ['下次打折还要囤货。', '这个价格还会再买。'],
    low: ['以后可能还会考虑。', '也许会再买一个送人。'],
    lowPrice: ['打折的话可能会再买。', '有优惠券的话也许会再买。'],
    lowAfterComplaint: ['如果改进了也许会再试试。', '下次可能换个型号试试。'],
    none: ['再也不买了。', '不会再在这家店买了。', '退货了，不会再买这个牌子。'],
    noneMild: ['一个就够了，暂时不需要再买。'],
  },
  filler: ['几乎每天都在用。', '看了评价才买的。', '买给{who}的。', '第二次在这家店买东西了。'],
  pii: {
    email: ['有问题可以发邮件给我：{email}', '卖家请联系我的邮箱 {email}。'],
    phone: ['有问题可以联系我：{phone}', '我的电话是{phone}，卖家可以联系我。'],
  },
};

const BANKS: Record<Language, LanguageBank> = { en: EN, zh: ZH };

/** Topics a review of this sentiment and category can talk about. */
export function pickTopics(rng: Rng, sentiment: Sentiment, category: Category, complainer: boolean): Topic[] {
  const options: Topic[] = ['quality', 'delivery', 'packaging'];
  if (SIZED_CATEGORIES.has(category)) options.push('sizing_fit');
  if (category === 'electronics' || category === 'toys') options.push('usability');
  if (category !== 'grocery' && category !== 'books' && category !== 'beauty') options.push('durability');
  if (sentiment === 'negative') {
    options.push('customer_service', 'returns_refunds');
    // Unhappy reviewers mostly complain about quality and service; weight those up.
    if (complainer) options.push('quality', 'customer_service', 'returns_refunds', 'quality');
  } else if (rng.chance(0.3)) {
    options.push('customer_service');
  }
  const first = rng.pick(options);
  if (!rng.chance(0.45)) return [first];
  const second = rng.pick(options);
  return second === first ? [first] : [first, second];
}

/** The review text for a spec; every random choice comes from rng. */
export function reviewText(rng: Rng, spec: ReviewSpec): string {
  const bank = BANKS[spec.language];
  const products = PRODUCTS[spec.category][spec.language];
  const fill = (template: string): string =>
    template.replace(/\{(\w+)\}/g, (_, key: string) => {
      switch (key) {
        case 'p':
          return rng.pick(products);
        case 'who':
          return rng.pick(bank.who);
        case 'n':
          return String(rng.int(2, 20));
        case 'w':
          return String(rng.int(2, 12));
        case 'pct':
          return String(rng.int(4, 10) * 5);
        case 'email':
          return spec.email;
        case 'phone':
          return fakePhone(rng, spec.language);
        default:
          throw new Error(`unknown placeholder {${key}}`);
      }
    });

  // The opener names the product; later sentences use generic wording so it is named once.
  const parts: string[] = [fill(rng.pick(bank.openers[spec.sentiment]))];
  if (rng.chance(0.2)) parts.push(fill(rng.pick(bank.filler)));
  for (const topic of spec.topics) {
    const sentences =
      topic === 'quality'
        ? bank.quality[spec.sentiment][QUALITY_KIND[spec.category]]
        : (bank.aspects[spec.sentiment][topic] ?? bank.quality[spec.sentiment][QUALITY_KIND[spec.category]]);
    parts.push(fill(rng.pick(sentences)));
  }
  if (spec.priceCue) parts.push(fill(rng.pick(bank.price[spec.sentiment])));
  parts.push(fill(rng.pick(intentBank(bank, spec))));
  if (spec.pii) parts.push(fill(rng.pick(bank.pii[spec.pii])));
  return parts.join(bank.join);
}

function intentBank(bank: LanguageBank, spec: ReviewSpec): Bank {
  switch (spec.intent) {
    case 'high':
      return spec.priceCue ? [...bank.intent.high, ...bank.intent.highPrice] : bank.intent.high;
    case 'low':
      if (spec.sentiment === 'negative') return bank.intent.lowAfterComplaint;
      return spec.priceCue ? [...bank.intent.low, ...bank.intent.lowPrice] : bank.intent.low;
    case 'none':
      return spec.sentiment === 'negative' ? bank.intent.none : bank.intent.noneMild;
  }
}

/** A 1..5 star rating that agrees with the sentiment (mostly). */
export function ratingFor(rng: Rng, sentiment: Sentiment): number {
  switch (sentiment) {
    case 'positive':
      return rng.chance(0.65) ? 5 : 4;
    case 'neutral':
      return [3, 3, 3, 3, 3, 3, 2, 4, 4, 2][rng.int(0, 9)] as number;
    case 'negative':
      return rng.chance(0.6) ? 1 : 2;
  }
}
