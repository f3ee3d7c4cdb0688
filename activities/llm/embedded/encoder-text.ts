/**
 * The text the encoder sees for a review: NFKC-normalised, spaces collapsed,
 * cut to MAX_ENCODER_CHARS code points, its opening and its close. The
 * encoder's cost grows with tokens (about 0.7 of a token per Chinese
 * character, 1.3 per English word), so long reviews are cut rather than
 * windowed. Training and extraction use this same function, so the
 * heads are fitted on what they are later applied to.
 */
export const MAX_ENCODER_CHARS = 160;

export function encoderText(text: string): string {
  const clean = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  const chars = [...clean];
  if (chars.length <= MAX_ENCODER_CHARS) return clean;
  // Opening and close: reviews state their verdict first or sum up at the end.
  const tail = Math.floor(MAX_ENCODER_CHARS * 0.4);
  return `${chars.slice(0, MAX_ENCODER_CHARS - tail - 1).join('')} ${chars.slice(-tail).join('')}`;
}
