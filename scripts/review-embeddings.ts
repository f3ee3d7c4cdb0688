// Embeddings of corpus texts for training and the quality bench, cached on
// disk (.tools/datasets/embeddings/, ignored by git) by sha256 of the
// encoder's model file size, the engine (the fast helper's build, or none
// for the shipped engine), role and text, so a rerun embeds only what is new
// and scores are always those of the engine that runs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { E5_DIM, E5Encoder, type E5Role } from '../activities/llm/embedded/e5-encoder.ts';
import { encoderText } from '../activities/llm/embedded/encoder-text.ts';
import { e5Paths } from './e5-model.mjs';
import { CORPORA_DIR } from './review-corpora.ts';

const KEY_BYTES = 16;
const RECORD = KEY_BYTES + E5_DIM * 4;

export class EmbeddingCache {
  private readonly file: string;
  private readonly vectors = new Map<string, Float32Array>();
  private dirty = false;
  private encoder: E5Encoder | undefined;
  private readonly salt: string;

  constructor() {
    const paths = e5Paths();
    this.salt = paths.engine === 'shipped' ? String(statSync(paths.model).size) : `${statSync(paths.model).size}+${basename(dirname(paths.library))}`;
    const dir = join(CORPORA_DIR, 'embeddings');
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'e5-small-q4.bin');
    if (existsSync(this.file)) {
      const bytes = readFileSync(this.file);
      for (let at = 0; at + RECORD <= bytes.length; at += RECORD) {
        const key = bytes.subarray(at, at + KEY_BYTES).toString('hex');
        const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + at + KEY_BYTES, bytes.byteOffset + at + RECORD));
        this.vectors.set(key, floats);
      }
    }
  }

  private key(text: string, role: E5Role): string {
    return createHash('sha256').update(`${this.salt}\u0000${role}\u0000${text}`).digest().subarray(0, KEY_BYTES).toString('hex');
  }

  /** Embeddings of encoderText(text) for every text, in order; progress on stderr. */
  async embed(texts: string[], role: E5Role = 'query'): Promise<Float32Array[]> {
    const inputs = texts.map(encoderText);
    const missing = [...new Set(inputs.filter((t) => !this.vectors.has(this.key(t, role))))];
    if (missing.length > 0) {
      const paths = e5Paths();
      this.encoder ??= new E5Encoder({ library: paths.library, model: paths.model });
      const step = 256;
      const started = performance.now();
      for (let i = 0; i < missing.length; i += step) {
        const part = missing.slice(i, i + step);
        const vectors = await this.encoder.embed(part, role);
        part.forEach((t, j) => this.vectors.set(this.key(t, role), vectors[j]!));
        this.dirty = true;
        const done = Math.min(i + step, missing.length);
        const rate = done / ((performance.now() - started) / 1000);
        console.error(`  embedded ${done}/${missing.length} (${rate.toFixed(1)} texts/s)`);
        if (done % 1024 === 0) this.save();
      }
      this.save();
    }
    return inputs.map((t) => this.vectors.get(this.key(t, role))!);
  }

  save(): void {
    if (!this.dirty) return;
    const bytes = Buffer.alloc(this.vectors.size * RECORD);
    let at = 0;
    for (const [key, vector] of this.vectors) {
      Buffer.from(key, 'hex').copy(bytes, at);
      Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(bytes, at + KEY_BYTES);
      at += RECORD;
    }
    writeFileSync(`${this.file}.part`, bytes);
    renameSync(`${this.file}.part`, this.file);
    this.dirty = false;
  }

  async close(): Promise<void> {
    this.save();
    await this.encoder?.close();
  }
}
