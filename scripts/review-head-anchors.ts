// Anchor phrases for the prototype heads, written for this project (no
// labelled data exists for topics or purchase intent). Each topic and intent
// level gets English and Chinese phrasings of what a review about it says;
// the prototype is the normalised mean of their embeddings. Changing them
// means retraining (`npm run train-heads`) and a new heads version.
import type { TOPICS } from '../activities/llm/review-features.ts';

export const TOPIC_ANCHORS: Record<Exclude<(typeof TOPICS)[number], 'other'>, string[]> = {
  price: [
    'the price is too high for what you get',
    'great value for the money',
    'overpriced, a total rip-off',
    'cheaper than in the shops, I bought it on sale with a discount',
    'not worth what it costs',
    '价格太贵了，不值这个价',
    '性价比很高，很划算',
    '打折的时候买的，便宜',
  ],
  quality: [
    'the material feels cheap and flimsy',
    'excellent build quality, very well made',
    'poor workmanship, the stitching is coming loose',
    'the quality is much lower than I expected',
    '质量很差，做工粗糙',
    '质量非常好，做工精细',
  ],
  delivery: [
    'the package arrived late',
    'shipping was fast, it came in two days',
    'delivery took weeks and the tracking never updated',
    'the courier lost my parcel',
    '物流太慢了，等了一个星期',
    '快递很快，第二天就到了',
  ],
  customer_service: [
    'customer service was rude and unhelpful',
    'the seller answered my questions quickly and was very helpful',
    'I contacted support three times and nobody replied',
    'the staff were friendly and solved my problem',
    '客服态度很差，不理人',
    '客服很热情，服务周到',
  ],
  sizing_fit: [
    'it runs small, order a size up',
    'the fit is perfect, true to size',
    'too big for me, the sleeves are too long',
    '尺码偏小，建议买大一码',
    '大小正合适，很合身',
  ],
  packaging: [
    'the box was damaged and the packaging was torn',
    'nicely packaged, it came well wrapped',
    'the product came in a crushed box',
    '包装很好，很精美',
    '外包装破了，盒子都压扁了',
  ],
  usability: [
    'easy to set up and simple to use',
    'the instructions are confusing and it is hard to operate',
    'very convenient and intuitive',
    '使用很方便，操作简单',
    '说明书看不懂，很难用',
  ],
  durability: [
    'it broke after a week',
    'stopped working after two months',
    'still going strong after years of daily use',
    'fell apart after the first wash',
    '用了没几天就坏了',
    '很结实耐用，用了好几年了',
  ],
  returns_refunds: [
    'I returned it and got a refund',
    'they refused to give me my money back',
    'I had to send it back for an exchange',
    '申请退货退款很麻烦',
    '已经退货了，退款很快',
  ],
};

export const INTENT_ANCHORS: Record<'high' | 'low' | 'none', string[]> = {
  high: [
    'I will definitely buy this again',
    'already ordered a second one',
    'I keep coming back to this shop and will order more',
    'will buy again for sure, highly recommend',
    '还会再来买的，会回购',
    '已经买了第二次了，无限回购',
  ],
  low: [
    'I might buy it again if the price drops',
    'maybe I will order another one when it is on sale',
    'considering buying one more',
    '降价的话可能会再买',
    '等活动的时候再考虑买',
  ],
  none: [
    'I will never buy from this shop again',
    'never ordering this again, do not buy',
    'I would not purchase this again',
    '再也不会买了，不推荐',
    '不会再来这家店了',
  ],
};
