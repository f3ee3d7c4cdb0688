import type { Rng } from './prng.ts';

/**
 * Who the customers are: country, name, e-mail, birth year, review language.
 * E-mails only use the reserved example.* domains and phone numbers only the
 * fictional 555-01xx range (or the well-known Chinese placeholder), so the
 * sample never contains a real person's contact details.
 */

const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CN', 'CA', 'AU', 'JP', 'NL', 'ES', 'IT', 'BR', 'IN', 'SG'] as const;
const COUNTRY_WEIGHTS = [27, 10, 9, 7, 9, 6, 5, 4, 4, 4, 4, 4, 5, 2];

const FIRST = [
  'jane', 'john', 'maria', 'david', 'sarah', 'michael', 'emma', 'james', 'olivia', 'lucas', 'sophie', 'daniel',
  'anna', 'thomas', 'laura', 'peter', 'chloe', 'noah', 'mia', 'leon', 'julia', 'marco', 'giulia', 'pedro',
  'ana', 'hiro', 'yuki', 'priya', 'arjun', 'fatima', 'omar', 'lena', 'felix', 'elena', 'ivan', 'nina',
];
const LAST = [
  'doe', 'smith', 'garcia', 'miller', 'brown', 'wilson', 'martin', 'taylor', 'moore', 'clark', 'lewis', 'walker',
  'young', 'king', 'wright', 'lopez', 'hill', 'green', 'adams', 'baker', 'nelson', 'carter', 'rossi', 'muller',
  'schmidt', 'dubois', 'silva', 'santos', 'tanaka', 'sato', 'patel', 'sharma', 'jansen', 'novak', 'costa', 'fischer',
];
const FIRST_CN = ['wei', 'fang', 'jing', 'lei', 'min', 'yan', 'jun', 'li', 'hao', 'xin', 'yu', 'ting', 'qiang', 'na'];
const LAST_CN = ['zhang', 'wang', 'li', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wu', 'zhou', 'xu', 'sun', 'ma', 'zhu'];
const DOMAINS = ['example.com', 'example.com', 'example.org', 'example.net'];

export type Language = 'en' | 'zh';

export interface Person {
  country: string;
  email: string;
  birthYear: number;
  /** The language this customer writes reviews in. */
  language: Language;
}

export function makePerson(rng: Rng): Person {
  const country = COUNTRIES[rng.weighted(COUNTRY_WEIGHTS)] as string;
  const chinese = country === 'CN' || (country === 'SG' && rng.chance(0.5));
  const first = rng.pick(chinese ? FIRST_CN : FIRST);
  const last = rng.pick(chinese ? LAST_CN : LAST);
  const sep = rng.pick(['.', '.', '_', '']);
  const suffix = rng.chance(0.45) ? String(rng.int(1, 99)) : '';
  const email = `${first}${sep}${last}${suffix}@${rng.pick(DOMAINS)}`;
  const birthYear = Math.round(Math.min(2007, Math.max(1942, 1986 + 12 * rng.normal())));
  // A few non-Chinese-market customers write in Chinese too, as real shops see.
  const language: Language = chinese || rng.chance(0.01) ? 'zh' : 'en';
  return { country, email, birthYear, language };
}

/** A fictional phone number in the style of the review's language. */
export function fakePhone(rng: Rng, language: Language): string {
  if (language === 'zh') return rng.pick(['138 0013 8000', '13800138000', '+86 138 0013 8000']);
  const area = rng.pick(['415', '212', '312', '206', '617']);
  const line = `01${String(rng.int(0, 99)).padStart(2, '0')}`;
  return rng.pick([`+1 ${area}-555-${line}`, `(${area}) 555-${line}`, `${area}-555-${line}`]);
}
