import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Append-only text writers: each line is encoded straight into a 1 MiB byte
 * buffer that is written out synchronously when full. Rows go to disk as they
 * are produced, so memory stays flat at any scale; encoding at once lets line
 * strings die young (cheap for the GC, which otherwise dominates at xlarge);
 * synchronous writes keep the output order, and so the bytes, independent of
 * I/O timing.
 */

const BUFFER_BYTES = 1 << 20;

export class LineWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  /** Data lines written (a CSV header does not count). */
  lines = 0;

  constructor(readonly path: string, header?: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
    if (header !== undefined) this.push(header);
  }

  /** Writes one line; the newline is added here. */
  line(text: string): void {
    this.push(text);
    this.lines++;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private push(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit, plus the newline.
    const worst = text.length * 3 + 1;
    if (this.used + worst > BUFFER_BYTES) {
      this.flush();
      if (worst > BUFFER_BYTES) {
        writeSync(this.fd, `${text}\n`);
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
    this.buffer[this.used++] = 0x0a;
  }

  private flush(): void {
    let offset = 0;
    while (offset < this.used) offset += writeSync(this.fd, this.buffer, offset, this.used - offset);
    this.used = 0;
  }
}

export type CsvValue = string | number | boolean | null | undefined;

/** RFC 4180 quoting, only when needed; null and undefined become an empty field. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',');
}

/** Cents as a decimal string with two places (exact, unlike float formatting). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = abs - whole * 100;
  return `${sign}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}
