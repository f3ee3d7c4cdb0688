// The README's screenshots of the Temporal UI, from headless Chromium (Debian's
// `chromium` package) driven over the DevTools protocol on a pipe, so no
// browser-automation package is needed. Expects a dev server with a worker, a
// schedule named `nightly` and a finished backfillProfiles run (see README).
// Usage: node scripts/ui-screenshots.mjs <UI base URL> <out dir> <backfill workflow id>
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, outDir, backfillId] = process.argv.slice(2);
if (!base || !outDir || !backfillId) {
  console.error('usage: node scripts/ui-screenshots.mjs <UI base URL> <out dir> <backfill workflow id>');
  process.exit(2);
}
const chrome = spawn('chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chrome-'))}`,
  '--remote-debugging-pipe', '--window-size=1280,860',
], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const toChrome = chrome.stdio[3];
const fromChrome = chrome.stdio[4];
let nextId = 1;
const pending = new Map();
let buffer = '';
fromChrome.on('data', (chunk) => {
  buffer += chunk.toString();
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    const waiter = pending.get(message.id);
    if (waiter) {
      pending.delete(message.id);
      message.error ? waiter.reject(new Error(JSON.stringify(message.error))) : waiter.resolve(message.result);
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  toChrome.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
const page = (method, params) => send(method, params, sessionId);
await page('Page.enable');
await page('Emulation.setDeviceMetricsOverride', { width: 1280, height: 860, deviceScaleFactor: 1, mobile: false });
const evaluate = async (expression) => (await page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })).result.value;
const go = async (path) => { await page('Page.navigate', { url: base + path }); await sleep(4000); };
const shot = async (name) => {
  // Scaled down: keeps the PNGs small in the repository, still readable.
  const { data } = await page('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width: 1280, height: 860, scale: 0.75 } });
  writeFileSync(join(outDir, `${name}.png`), Buffer.from(data, 'base64'));
  console.log('wrote', name);
};
const clickAt = async (x, y) => {
  for (const type of ['mousePressed', 'mouseReleased']) await page('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 });
};
/** Clicks the centre of the first element matching selector (optionally with the given text). */
const click = async (selector, text) => {
  const box = await evaluate(`(() => {
    const el = [...document.querySelectorAll(${JSON.stringify(selector)})].find((e) => ${text ? `e.textContent.trim().includes(${JSON.stringify(text)})` : 'true'});
    if (!el) return null; el.scrollIntoView({ block: 'center' }); const r = el.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  })()`);
  if (!box) throw new Error(`nothing matches ${selector} ${text ?? ''}`);
  await clickAt(box.x, box.y);
  await sleep(800);
};

try {
  // 1. A run from the UI: the Start Workflow form filled in.
  await go('/namespaces/default/workflows/start-workflow?workflowId=profile-run-from-ui&taskQueue=personaflow&workflowType=profileRun');
  await click('.cm-content');
  await page('Input.insertText', { text: '{"source": "/data/shop", "asOf": "2026-11-01T00:00:00Z"}' });
  await sleep(500);
  await evaluate('window.scrollTo(0, 0)');
  await shot('ui-start-run');
  // 2. A schedule's backfill: the schedule page, its menu, the Backfill dialog.
  await go('/namespaces/default/schedules/nightly');
  const opened = await evaluate(`(() => { const b = [...document.querySelectorAll('button')].find((e) => e.textContent.trim() === 'Pause'); const menu = b?.parentElement?.querySelectorAll('button'); if (!menu || menu.length < 2) return false; menu[menu.length - 1].click(); return true; })()`);
  await sleep(800);
  if (!opened) throw new Error('schedule menu not found');
  await click('[role="menuitem"], li, button', 'Backfill');
  await sleep(1000);
  await shot('ui-schedule-backfill');
  // 3. A backfillProfiles run: its children and progress.
  await go(`/namespaces/default/workflows/${encodeURIComponent(backfillId)}`);
  await shot('ui-backfill-workflow');
} finally {
  chrome.kill();
}
