// The embedded dev server on a shared host: a port held by another program is
// never joined (free ports are picked and printed, or, when the user fixed the
// port, a clear failure); a server is recognised by its record under
// PERSONAFLOW_HOME, reused while it runs, and stopped through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevServer, recordedDevServer, stopDetachedDevServer, temporalAnswers } from '../../client/dev-server.ts';
import { freePort } from '../support/free-port.ts';

function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('embedded dev server on a shared host', () => {
  let home: string;
  let held: Server[];
  let port: number;
  let uiPort: number;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'personaflow-dev-server-'));
    port = await freePort();
    uiPort = await freePort();
    held = [await hold(port), await hold(uiPort)]; // "another team's" programs on the wanted ports
  });

  afterAll(async () => {
    stopDetachedDevServer(home);
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    rmSync(home, { recursive: true, force: true });
  });

  it('fails naming the variables when the fixed port is held', async () => {
    await expect(ensureDevServer({ home, port, uiPort, portsFixed: true, namespace: 'default', detached: false })).rejects.toThrow(
      new RegExp(`port ${port} \\(PERSONAFLOW_TEMPORAL_PORT\\) is held by another program.*TEMPORAL_ADDRESS`),
    );
  });

  it('picks free ports when the default ones are held, records the server, reuses it, stops it', async () => {
    const lines: string[] = [];
    const first = await ensureDevServer({ home, port, uiPort, namespace: 'default', detached: true, log: (l) => lines.push(l) });
    expect(first.started).toBe(true);
    expect(first.address).not.toBe(`127.0.0.1:${port}`);
    expect(lines.join('\n')).toMatch(new RegExp(`port ${port} is held by another program .*; using \\d+ instead`));
    expect(await temporalAnswers(first.address)).toBe(true);

    const record = await recordedDevServer(home);
    expect(record).toMatchObject({ address: first.address, dbFile: join(home, 'temporal.sqlite') });
    expect(record!.token).toMatch(/^[0-9a-f]{16}$/);

    const again = await ensureDevServer({ home, port, uiPort, namespace: 'default', detached: true });
    expect(again).toMatchObject({ started: false, address: first.address });

    expect(stopDetachedDevServer(home)).toBe(true);
    expect(existsSync(join(home, 'temporal-server.json'))).toBe(false);
    for (let i = 0; i < 40 && (await temporalAnswers(first.address, 250)); i++) await new Promise((r) => setTimeout(r, 250));
    expect(await temporalAnswers(first.address, 250)).toBe(false);
    expect(await recordedDevServer(home)).toBeUndefined();
  });
});
