// The profile report as an analyst sees it: two real pipeline runs publish
// versions 1 and 2, `personaflow report` writes the HTML, and headless
// Chromium (Debian's chromium through puppeteer-core) opens it offline.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { DuckDBInstance } from '@duckdb/node-api';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';
import { runCli } from '../support/cli.ts';
import { withOutputsSession } from '../../client/outputs-reader.ts';
import { writeVersionReport } from '../../client/report/write-report.ts';
import { driftReport } from '../../client/drift-report.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Refreshed from this test with PERSONAFLOW_UPDATE_SCREENSHOT=1 (the full page always goes to a temp file). */
const SCREENSHOT_FOR_DOCS = fileURLToPath(new URL('../../docs/images/report.png', import.meta.url));

interface PageCheck {
  requests: string[];
  consoleErrors: string[];
  charts: Array<{ id: string; marks: number; width: number; height: number }>;
  /** Element ids used more than once: inline SVGs whose clip paths or gradients would collide. */
  duplicateIds: string[];
  title: string;
  text: string;
}

describe('profile report in headless Chromium', () => {
  let h: Harness;
  let browser: Browser | undefined;
  let profileDir: string;
  let second: ProfileRunResult;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this in CI)`);
    h = await createHarness('report', inject('temporalAddress'), { customers: 300 });
    await h.startWorker();
    const run = (n: number, asOf: string) =>
      h.client.workflow.execute(profileRun, {
        taskQueue: h.taskQueue,
        workflowId: `report-${n}-${Date.now()}`,
        args: [{ source: h.source, asOf }],
      }) as Promise<ProfileRunResult>;
    await run(1, SAMPLE_AS_OF);
    // A later as-of over the same files: new orders and reviews, so some customers move.
    second = await run(2, '2026-11-25T00:00:00.000Z');
    await h.stopWorker();
    profileDir = mkdtempSync(join(tmpdir(), 'personaflow-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profileDir,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-default-apps',
        '--disable-extensions',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await h?.close();
  });

  /** Opens a report file with every request intercepted: the file itself loads, anything else is refused and recorded. */
  async function open(path: string, screenshot?: string): Promise<PageCheck> {
    const page = await browser!.newPage();
    try {
      await page.setViewport({ width: 1200, height: 900 });
      const url = pathToFileURL(path).href;
      const requests: string[] = [];
      const consoleErrors: string[] = [];
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        requests.push(request.url());
        if (request.url() === url) void request.continue();
        else void request.abort();
      });
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      await page.goto(url, { waitUntil: 'load' });
      const check = await page.evaluate(() => ({
        title: document.title,
        duplicateIds: (() => {
          const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
          return ids.filter((id, i) => ids.indexOf(id) !== i);
        })(),
        text: document.body.innerText,
        charts: [...document.querySelectorAll('figure.chart')].map((figure) => {
          const svg = figure.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: figure.getAttribute('data-chart') ?? '',
            // vega draws every mark inside a group of class role-mark; axes and legends are other roles.
            marks: svg ? svg.querySelectorAll('.role-mark > *').length : 0,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
          };
        }),
      }));
      if (screenshot) {
        await page.screenshot({ path: screenshot, fullPage: true });
        if (process.env.PERSONAFLOW_UPDATE_SCREENSHOT === '1') {
          // The README's picture: from the top through the customer map and the feature heat map.
          const bottom = await page.evaluate(() => document.querySelector('#behaviour')!.getBoundingClientRect().bottom + window.scrollY);
          await page.screenshot({ path: SCREENSHOT_FOR_DOCS, clip: { x: 0, y: 0, width: 1200, height: Math.ceil(bottom) + 16 }, captureBeyondViewport: true });
        }
      }
      return { ...check, requests, consoleErrors };
    } finally {
      await page.close();
    }
  }

  it('renders every chart offline, with no console error and no request beyond the file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'personaflow-report-'));
    const path = await withOutputsSession(h.config.lake, (s) => writeVersionReport(s, second.version, out));
    expect(path).toBe(join(out, `profile-report-v${second.version}.html`));
    const html = readFileSync(path, 'utf8');
    // Self-contained: no script, stylesheet link, image, font or frame to fetch.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|@font-face|url\((?!#)/i);

    const screenshot = join(out, 'report.png');
    const page = await open(path, screenshot);
    expect(page.requests).toEqual([pathToFileURL(path).href]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.duplicateIds).toEqual([]);
    expect(page.title).toContain(`version ${second.version}`);

    const drift = await withOutputsSession(h.config.lake, (s) => driftReport(s, second.version - 1, second.version));
    const expected = ['sizes', 'map', 'features', 'sentiment', 'topics', 'tiers', 'p-alive', 'clv', 'drift-sizes', 'rejects', 'stages'];
    if (drift.movedCustomers > 0) expected.push('drift-moves');
    expect(page.charts.map((c) => c.id).sort()).toEqual(expected.sort());
    for (const chart of page.charts) {
      expect(chart.marks, `chart ${chart.id} has no marks`).toBeGreaterThan(0);
      expect(chart.width * chart.height, `chart ${chart.id} takes no space`).toBeGreaterThan(0);
    }
    // The map shows the sample, one mark per customer (all 300 here: below the sample size).
    expect(page.charts.find((c) => c.id === 'map')!.marks).toBe(second.customers);
    // Plain words, no raw JSON.
    expect(page.text).toContain('Personas');
    expect(page.text).toContain(`changed segment since version ${second.version - 1}`);
    expect(page.text).not.toMatch(/[{[]"\w+":/);

    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    rmSync(out, { recursive: true, force: true });
  });

  it('`personaflow report --version 1 --out` writes the first version, which has nothing to compare with', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'personaflow-report-cli-')), 'first.html');
    const result = await runCli(['report', '--version', '1', '--out', out, '--json'], h.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { version: number; path: string; bytes: number };
    expect(printed).toEqual({ version: 1, path: out, bytes: statSync(out).size });
    const page = await open(out);
    expect(page.requests).toEqual([pathToFileURL(out).href]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.text).toContain('This is the first published version');
    expect(page.charts.map((c) => c.id)).not.toContain('drift-sizes');
    for (const chart of page.charts) expect(chart.marks, `chart ${chart.id} has no marks`).toBeGreaterThan(0);
  });

  it('draws P(alive) and lifetime value from the MBG/NBD + Gamma-Gamma columns of the profiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'personaflow-report-clv-'));
    try {
      const path = await withOutputsSession(h.config.lake, (s) => writeVersionReport(s, second.version, dir));
      const page = await open(path);
      expect(page.consoleErrors).toEqual([]);
      expect(page.requests).toEqual([pathToFileURL(path).href]);
      const ids = page.charts.map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining(['p-alive', 'clv', 'tiers']));
      for (const chart of page.charts) expect(chart.marks, `chart ${chart.id} has no marks`).toBeGreaterThan(0);
      expect(page.text).toContain('total predicted value');
      expect(page.text).not.toContain('has no P(alive)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`personaflow report --version 99` says the version is not published', async () => {
    const result = await runCli(['report', '--version', '99'], h.env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('profile version 99 is not published');
  });
});
