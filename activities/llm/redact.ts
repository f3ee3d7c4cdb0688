/**
 * Personal data scrubbing, applied to every review before its text leaves
 * the warehouse for an extractor (and before it is hashed for the cache, so
 * the cache key is exactly what the extractor saw).
 *
 * The patterns are deliberately shaped (separators, groups, a leading + or a
 * Chinese mobile prefix) rather than "any long number", so ordinary numbers
 * in reviews ("2 stars", "size 42", "$19.99", "2024-05-01") stay readable.
 * Order matters: emails before URLs (an email is not a URL), card numbers
 * before phones (a 16-digit card would otherwise look like two phones).
 */

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** Scheme or www. URLs, up to whitespace or a closing bracket/quote; trailing punctuation is kept out. */
const URL = /\b(?:https?:\/\/|www\.)[^\s<>"'()\[\]{}，。！？、（）]+[^\s<>"'()\[\]{}，。！？、（）.,;:!?]/gi;

/**
 * 4-4-4-4(-3) groups (Visa, Mastercard, ...), 4-6-5 (Amex), or an unbroken run of 13-19 digits.
 * Not followed by a digit or a decimal part, but a full stop ending the sentence is fine.
 */
const CARD = /(?<![\d.+])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -]?)\d{6}\2\d{5}|\d{13,19})(?!\d|\.\d)/g;

const PHONE_PATTERNS: RegExp[] = [
  // International: +CC then 2-5 digit groups, e.g. +1 415-555-0132, +86 138-0013-8000, +44 20 7946 0958.
  /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,5}(?!\d)/g,
  // International with a 00 prefix: 0044 20 7946 0958, 0086 138 0013 8000.
  /(?<![\w.]|\d[ .-])00\d{1,3}(?:[ .-]?\d{1,5}){2,5}(?!\d)/g,
  // Chinese mobile: 1[3-9]x then two groups of four, spaced, dashed or unbroken.
  /(?<!\d)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)/g,
  // North American: (415) 555-0132, 415-555-0132, 415.555.0132.
  /(?<![\w+])(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)/g,
  // Chinese landline with area code: 010-12345678, 0755-1234567.
  /(?<!\d)0\d{2,3}-\d{7,8}(?!\d)/g,
  // National numbers with a trunk 0 in groups: 020 7946 0958, 030 1234 5678, 06 12 34 56 78.
  /(?<![\w.]|\d[ .-])0\d{1,4}(?:[ .-]\d{2,4}){2,4}(?!\d|[.,]\d)/g,
  // An unbroken 10-11 digit run (4155550132, 02079460958): too long for a price,
  // a size or a year, too short for a card.
  /(?<![\w.+])\d{10,11}(?!\d|[.,]\d)/g,
];

/** Fewer digits than this is not a phone number, whatever its shape. */
const MIN_PHONE_DIGITS = 7;

export function redactPII(text: string): string {
  let out = text.replace(EMAIL, '[EMAIL]');
  out = out.replace(URL, '[URL]');
  out = out.replace(CARD, '[CARD]');
  for (const pattern of PHONE_PATTERNS) {
    out = out.replace(pattern, (match) =>
      match.replace(/\D/g, '').length >= MIN_PHONE_DIGITS ? '[PHONE]' : match,
    );
  }
  return out;
}

/** The personal data redactPII would replace in `text`, as found (for tests and audits). */
export function findPII(text: string): string[] {
  const found: string[] = [];
  const collect = (pattern: RegExp, source: string): string =>
    source.replace(pattern, (match) => {
      found.push(match);
      return ' ';
    });
  let rest = collect(EMAIL, text);
  rest = collect(URL, rest);
  rest = collect(CARD, rest);
  for (const pattern of PHONE_PATTERNS) {
    rest = rest.replace(pattern, (match) => {
      if (match.replace(/\D/g, '').length < MIN_PHONE_DIGITS) return match;
      found.push(match);
      return ' ';
    });
  }
  return found;
}
