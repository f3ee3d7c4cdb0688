import { Client, Connection } from '@temporalio/client';
import type { Config } from '../worker/config.ts';
import { ensureDevServer, type TemporalEndpoint } from './dev-server.ts';

/**
 * Where Temporal is: TEMPORAL_ADDRESS when set (an existing cluster), else the
 * embedded dev server under the project's data folder, started if needed.
 */
export async function resolveTemporal(
  config: Config,
  options: { detached: boolean; log?: (line: string) => void },
): Promise<TemporalEndpoint> {
  if (config.temporal.address) {
    return {
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      started: false,
      stop: async () => undefined,
    };
  }
  return ensureDevServer({
    home: config.home,
    port: config.temporal.port,
    uiPort: config.temporal.uiPort,
    namespace: config.temporal.namespace,
    detached: options.detached,
    log: options.log,
  });
}

export async function connectClient(endpoint: TemporalEndpoint): Promise<Client> {
  const connection = await Connection.connect({ address: endpoint.address });
  return new Client({ connection, namespace: endpoint.namespace });
}

export function workflowUrl(endpoint: TemporalEndpoint, workflowId: string): string | undefined {
  if (!endpoint.uiUrl) return undefined;
  return `${endpoint.uiUrl}/namespaces/${encodeURIComponent(endpoint.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** True when some worker polled the task queue recently. */
export async function workerIsPolling(client: Client, taskQueue: string): Promise<boolean> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
  });
  return (response.pollers ?? []).length > 0;
}
