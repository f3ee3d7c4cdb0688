import type { Rng } from './prng.ts';

/**
 * The shop's fixed catalogue: a handful of categories, each with a realistic
 * price band and the product words reviews mention. Kept small on purpose so
 * "top categories" per customer are meaningful.
 */

export const CATEGORIES = ['electronics', 'fashion', 'home', 'beauty', 'sports', 'books', 'toys', 'grocery'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Unit price band per category, in cents (cheapest and dearest typical item). */
const PRICE_BAND: Record<Category, readonly [number, number]> = {
  electronics: [1_999, 89_900],
  fashion: [1_299, 24_900],
  home: [899, 39_900],
  beauty: [499, 12_900],
  sports: [999, 29_900],
  books: [599, 4_999],
  toys: [799, 14_900],
  grocery: [299, 4_999],
};

/** Shop-style price endings: most prices end in .99, some in .49 or .00. */
const ENDINGS = [99, 99, 99, 49, 0];

/**
 * A unit price in cents. `quantile` in [0, 1] picks a point on the category's
 * log-scale band, so personas can shop at the cheap or the premium end.
 */
export function unitPriceCents(rng: Rng, category: Category, quantile: number): number {
  const [lo, hi] = PRICE_BAND[category];
  const q = Math.min(1, Math.max(0, quantile));
  const raw = Math.exp(Math.log(lo) + q * (Math.log(hi) - Math.log(lo)));
  const whole = Math.max(1, Math.floor(raw / 100));
  return whole * 100 + rng.pick(ENDINGS);
}

/** Product words per category, English and Chinese, for review text. */
export const PRODUCTS: Record<Category, { en: readonly string[]; zh: readonly string[] }> = {
  electronics: {
    en: ['pair of headphones', 'phone charger', 'smartwatch', 'bluetooth speaker', 'laptop stand', 'power bank', 'webcam', 'wireless mouse'],
    zh: ['耳机', '充电器', '智能手表', '蓝牙音箱', '笔记本支架', '充电宝', '摄像头', '无线鼠标'],
  },
  fashion: {
    en: ['jacket', 'pair of sneakers', 'dress', 'pair of jeans', 'wool sweater', 'rain coat', 'leather belt', 'linen shirt'],
    zh: ['外套', '运动鞋', '连衣裙', '牛仔裤', '羊毛衫', '雨衣', '皮带', '亚麻衬衫'],
  },
  home: {
    en: ['desk lamp', 'cookware set', 'bed sheet set', 'vacuum cleaner', 'kettle', 'throw blanket', 'knife set', 'storage box set'],
    zh: ['台灯', '锅具套装', '床单', '吸尘器', '电水壶', '毛毯', '刀具套装', '收纳箱'],
  },
  beauty: {
    en: ['moisturizer', 'face serum', 'shampoo', 'lipstick', 'sunscreen', 'perfume', 'hair dryer', 'face mask set'],
    zh: ['面霜', '精华液', '洗发水', '口红', '防晒霜', '香水', '吹风机', '面膜'],
  },
  sports: {
    en: ['yoga mat', 'pair of running shoes', 'dumbbell set', 'water bottle', 'pair of cycling gloves', 'tennis racket', 'gym bag', 'resistance band set'],
    zh: ['瑜伽垫', '跑鞋', '哑铃', '运动水杯', '骑行手套', '网球拍', '健身包', '弹力带'],
  },
  books: {
    en: ['novel', 'cookbook', 'biography', 'travel guide', 'children\u2019s book', 'poetry collection', 'history book', 'graphic novel'],
    zh: ['小说', '菜谱', '传记', '旅行指南', '童书', '诗集', '历史书', '漫画书'],
  },
  toys: {
    en: ['building blocks set', 'jigsaw puzzle', 'plush bear', 'remote control car', 'board game', 'doll house', 'train set', 'kite'],
    zh: ['积木', '拼图', '毛绒熊', '遥控车', '桌游', '娃娃屋', '小火车套装', '风筝'],
  },
  grocery: {
    en: ['bag of coffee beans', 'olive oil', 'green tea', 'snack box', 'dark chocolate', 'pasta', 'honey', 'granola'],
    zh: ['咖啡豆', '橄榄油', '绿茶', '零食礼盒', '黑巧克力', '意大利面', '蜂蜜', '燕麦片'],
  },
};

/** Categories where "fits / runs small" makes sense in a review. */
export const SIZED_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['fashion', 'sports']);
