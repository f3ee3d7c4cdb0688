// A private PostgreSQL cluster for tests: Debian's postgresql binaries, initdb
// into a temp folder, a free port on 127.0.0.1 only, trust auth for a
// loopback-only server that lives as long as the test. PostgreSQL refuses to
// run as root, so when the tests run as root it runs as the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface TestPostgres {
  port: number;
  /** libpq connection string of the test database. */
  dsn: string;
  stop(): Promise<void>;
}

/** The folder with initdb and pg_ctl (Debian keeps them off PATH), or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function runAs(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPostgres(database = 'personaflow'): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'personaflow-pg-'));
  const data = join(dir, 'data');
  const user = runAs();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const port = await freePort();
  const run = (cmd: string, args: string[]) => {
    const result = spawnSync(join(bin, cmd), args, { ...user, cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  run('pg_ctl', [
    '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database]);
  return {
    port,
    dsn: `dbname=${database} host=127.0.0.1 port=${port} user=postgres`,
    stop: async () => {
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...user });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
