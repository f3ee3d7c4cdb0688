import { loadClientConnectConfig } from '@temporalio/envconfig';
import { ConfigError } from '../activities/errors.ts';

/** How to reach a Temporal cluster beyond its address: TLS and an API key, as the Temporal CLI takes them. */
export interface TemporalConnectionExtras {
  tls?: boolean | { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
  /** A secret: kept in this process, never logged, never in a workflow input. */
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalTarget {
  address?: string;
  namespace?: string;
  extras: TemporalConnectionExtras;
}

/**
 * The Temporal cluster the environment names, the way the Temporal CLI reads
 * it (@temporalio/envconfig): a profile (TEMPORAL_PROFILE, default "default")
 * of the config file (TEMPORAL_CONFIG_FILE, default
 * ~/.config/temporalio/temporal.toml) with TLS certificates and an API key,
 * overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and
 * TEMPORAL_TLS_*. Only when one of TEMPORAL_ADDRESS, TEMPORAL_PROFILE or
 * TEMPORAL_CONFIG_FILE is set: otherwise the embedded dev server is used, and
 * a config file lying around never makes the CLI join someone's cluster.
 */
export function temporalTarget(env: NodeJS.ProcessEnv): TemporalTarget {
  if (!env.TEMPORAL_ADDRESS && !env.TEMPORAL_PROFILE && !env.TEMPORAL_CONFIG_FILE) return { extras: {} };
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  let loaded;
  try {
    loaded = loadClientConnectConfig({ profile: env.TEMPORAL_PROFILE, overrideEnvVars: vars });
  } catch (error) {
    throw new ConfigError(`cannot read the Temporal profile (TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE): ${(error as Error).message}`);
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  if (!address) {
    throw new ConfigError(`Temporal profile "${env.TEMPORAL_PROFILE ?? 'default'}" names no address: add address = "host:7233" to it or set TEMPORAL_ADDRESS`);
  }
  const extras: TemporalConnectionExtras = {};
  if (tls !== undefined && tls !== null) extras.tls = tls as TemporalConnectionExtras['tls'];
  if (typeof apiKey === 'string' && apiKey) extras.apiKey = apiKey;
  if (metadata && Object.keys(metadata).length > 0) extras.metadata = metadata as Record<string, string>;
  return { address, namespace: loaded.namespace, extras };
}
