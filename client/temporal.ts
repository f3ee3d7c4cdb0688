import { Client, Connection } from '@temporalio/client';
import type { Config } from '../worker/config.ts';
import { ensureDevServer, recordedDevServer, type TemporalEndpoint } from './dev-server.ts';
import { UnavailableError } from './cli-errors.ts';

function configured(config: Config): TemporalEndpoint | undefined {
  if (!config.temporal.address) return undefined;
  return { address: config.temporal.address, namespace: config.temporal.namespace, connection: config.temporal.connection, started: false, stop: async () => undefined };
}

/**
 * Where Temporal is, for commands that need it running (run, demo, worker,
 * schedule create, ...): TEMPORAL_ADDRESS when set (an existing cluster),
 * else the embedded dev server of this PERSONAFLOW_HOME, started if needed.
 */
export async function resolveTemporal(
  config: Config,
  options: { detached: boolean; log?: (line: string) => void },
): Promise<TemporalEndpoint> {
  return (
    configured(config) ??
    ensureDevServer({
      home: config.home,
      port: config.temporal.port,
      uiPort: config.temporal.uiPort,
      portsFixed: config.temporal.portsFixed,
      namespace: config.temporal.namespace,
      detached: options.detached,
      log: options.log,
    })
  );
}

/**
 * Where Temporal is, for commands that only look (status, schedule list...):
 * never starts a server. Without TEMPORAL_ADDRESS, only the dev server this
 * PERSONAFLOW_HOME recorded counts.
 */
export async function existingTemporal(config: Config): Promise<TemporalEndpoint> {
  const endpoint = configured(config);
  if (endpoint) return endpoint;
  const record = await recordedDevServer(config.home);
  if (!record) {
    throw new UnavailableError(
      `no Temporal server is running for PERSONAFLOW_HOME=${config.home}: start one with \`personaflow server start\` (or any run), or set TEMPORAL_ADDRESS`,
    );
  }
  return { address: record.address, namespace: record.namespace, uiUrl: `http://127.0.0.1:${record.uiPort}`, started: false, stop: async () => undefined };
}

export async function connectClient(endpoint: TemporalEndpoint): Promise<Client> {
  const connection = await Connection.connect({ address: endpoint.address, connectTimeout: 5_000, ...endpoint.connection }).catch((error: unknown) => {
    throw new UnavailableError(`Temporal does not answer at ${endpoint.address} (${(error as Error).message}); check TEMPORAL_ADDRESS or \`personaflow doctor\``, { cause: error });
  });
  return new Client({ connection, namespace: endpoint.namespace });
}

/** Runs work with a client, closing its connection afterwards. */
export async function withClient<T>(endpoint: TemporalEndpoint, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(endpoint);
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}

export function workflowUrl(endpoint: TemporalEndpoint, workflowId: string): string | undefined {
  if (!endpoint.uiUrl) return undefined;
  return `${endpoint.uiUrl}/namespaces/${encodeURIComponent(endpoint.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * Temporal keeps listing a poller for minutes after its worker stopped; a live
 * one renews its long poll at least every ~70 s, so only recent ones count.
 */
const LIVE_POLLER_MS = 90_000;

/** True when some worker polled the task queue recently. */
export async function workerIsPolling(client: Client, taskQueue: string): Promise<boolean> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
  });
  const now = Date.now();
  return (response.pollers ?? []).some((p) => {
    const seconds = Number(p.lastAccessTime?.seconds ?? 0);
    return seconds === 0 || now - seconds * 1000 < LIVE_POLLER_MS;
  });
}
