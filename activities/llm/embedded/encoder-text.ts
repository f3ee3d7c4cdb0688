/**
 * The text the encoder sees for a review: NFKC-normalised, spaces collapsed,
 * cut to MAX_ENCODER_CHARS code points. The encoder's cost grows with tokens
 * (about 0.7 of a token per Chinese character, 1.3 per English word), and the
 * opening of a review carries its verdict, so long reviews are cut rather
 * than windowed. Training and extraction use this same function, so the
 * heads are fitted on what they are later applied to.
 */
export const MAX_ENCODER_CHARS = 160;

export function encoderText(text: string): string {
  const clean = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  const chars = [...clean];
  return chars.length <= MAX_ENCODER_CHARS ? clean : chars.slice(0, MAX_ENCODER_CHARS).join('');
}
