import { describe, expect, it } from 'vitest';
import { findPII, redactPII } from '../../activities/llm/redact.ts';

describe('redactPII', () => {
  it.each([
    ['mail me at jane.doe+shop@example.co.uk please', 'mail me at [EMAIL] please'],
    ['联系我 zhang_san@qq.com 谢谢', '联系我 [EMAIL] 谢谢'],
    ['see https://shop.example.com/item?id=42&ref=x.', 'see [URL].'],
    ['(details at www.example.org/review)', '(details at [URL])'],
    ['card 4111 1111 1111 1111 was charged twice', 'card [CARD] was charged twice'],
    ['card 4111-1111-1111-1111', 'card [CARD]'],
    ['amex 3782 822463 10005', 'amex [CARD]'],
    ['number 4111111111111111', 'number [CARD]'],
    // A full stop after the number ends the sentence; it is no decimal part.
    ['My card is 4111 1111 1111 1111.', 'My card is [CARD].'],
    ['charged 4111111111111111, twice', 'charged [CARD], twice'],
  ])('replaces %j', (input, expected) => {
    expect(redactPII(input)).toBe(expected);
  });

  it.each([
    ['call 138 0013 8000', 'call [PHONE]'],
    ['电话13800138000有事找我', '电话[PHONE]有事找我'],
    ['手机：138-0013-8000', '手机：[PHONE]'],
    ['+86 138-0013-8000', '[PHONE]'],
    ['+8613800138000', '[PHONE]'],
    ['call +1 415-555-0132 today', 'call [PHONE] today'],
    ['call (415) 555-0132 today', 'call [PHONE] today'],
    ['415-555-0132', '[PHONE]'],
    ['415.555.0132', '[PHONE]'],
    ['+44 20 7946 0958', '[PHONE]'],
    ['座机 010-12345678', '座机 [PHONE]'],
    ['ring me on 020 7946 0958.', 'ring me on [PHONE].'],
    ['or 4155550132.', 'or [PHONE].'],
  ])('replaces phone %j', (input, expected) => {
    expect(redactPII(input)).toBe(expected);
  });

  it.each([
    '2 stars, would not buy again',
    'size 42 fits well',
    'only $19.99, was $24.50',
    '¥199 for 2 pieces',
    'delivered on 2024-05-01 at 10:30',
    'order 12345 arrived in 3 days',
    'rated 4.5/5, +1 for the colour',
    'I am 180 cm and 75 kg',
    'model XJ-9000 v2.1',
    '质量很好，5分好评，用了3个月',
    'battery lasts 10-12 hours',
  ])('keeps normal numbers in %j', (input) => {
    expect(redactPII(input)).toBe(input);
  });

  it('redacts several kinds in one text', () => {
    expect(redactPII('Email a@b.io or call +1 (415) 555-0132, receipt at http://x.co/r/1')).toBe(
      'Email [EMAIL] or call [PHONE], receipt at [URL]',
    );
  });
});

describe('findPII', () => {
  it('returns exactly what redactPII replaces, as written', () => {
    const text = 'Mail jane.doe@example.com or call +1 415-555-0132 / 138 0013 8000; size 42, $19.99, 2024-05-01.';
    const found = findPII(text);
    expect(found).toEqual(['jane.doe@example.com', '+1 415-555-0132', '138 0013 8000']);
    let rebuilt = redactPII(text);
    for (const item of found) expect(rebuilt).not.toContain(item);
    expect(findPII('size 42, 2 stars, $19.99')).toEqual([]);
    rebuilt = text;
    for (const item of found) rebuilt = rebuilt.replace(item, '');
    expect(findPII(rebuilt)).toEqual([]);
  });
});

describe('redactPII: phone formats without a + or North American grouping', () => {
  it.each([
    ['call 4155550132 now', 'call [PHONE] now'],
    ['ring 020 7946 0958 after six', 'ring [PHONE] after six'],
    ['from abroad 0044 20 7946 0958', 'from abroad [PHONE]'],
    ['mobile 06 12 34 56 78', 'mobile [PHONE]'],
    ['0086 138 0013 8000', '[PHONE]'],
  ])('%s', (text, expected) => {
    expect(redactPII(text)).toBe(expected);
  });

  it.each(['order 12345 arrived', 'paid 1,299.00', 'took 10 days', '3 for 20', 'model 2024 version', 'on 2024-05-01'])(
    'leaves %s alone',
    (text) => {
      expect(redactPII(text)).toBe(text);
    },
  );
});
