import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { debugEnabled } from './debug.ts';
import type { Config } from './config.ts';

/** Past this size the log moves to `<file>.1` (one old file kept): a long-lived worker cannot fill the disk. */
const MAX_LOG_BYTES = 20 * 1024 * 1024;

function appendLine(file: string, line: string): void {
  try {
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
    appendFileSync(file, `${line}\n`);
  } catch {
    // a log that cannot be written must not fail the run
  }
}

function formatEntry(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
  return `${time} ${entry.level} ${entry.message}${meta}`;
}

let installed = false;

/**
 * The Temporal SDK's runtime, once per process: its log goes to the log file
 * under PERSONAFLOW_HOME (a failed activity's stack and task details are for
 * the curious, not for the console; PERSONAFLOW_DEBUG=1 shows them there
 * too), and with PERSONAFLOW_METRICS_PORT its Prometheus exporter serves the
 * SDK's metrics and personaflow's own (worker/metrics.ts) on one endpoint.
 */
export function installRuntime(config: Config): void {
  if (installed) return;
  installed = true;
  const debug = debugEnabled();
  mkdirSync(dirname(config.logFile), { recursive: true });
  const logger = new DefaultLogger(debug ? 'DEBUG' : 'WARN', (entry) => {
    const line = formatEntry(entry);
    appendLine(config.logFile, line);
    if (debug) console.error(line);
  });
  try {
    Runtime.install({
      logger,
      telemetryOptions: {
        // The SDK core's own log (Rust) is forwarded to the same logger: left to
        // its default it prints on stdout, which broke `run --json` output
        // (seen by `npm run chaos`: a WARN about evicted workflow tasks).
        logging: { forward: {}, filter: { core: debug ? 'DEBUG' : 'WARN', other: 'ERROR' } },
        ...(config.metrics ? { metrics: { prometheus: { bindAddress: `${config.metrics.host}:${config.metrics.port}` } } } : {}),
      },
    });
  } catch {
    // Already installed by the host (tests may install their own).
  }
}
