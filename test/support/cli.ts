// Runs the real `personaflow` command line in a child process, as a user would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/personaflow.js', import.meta.url));

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command to its end (killed after timeoutMs). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliOutcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface StartedCli {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
}

/**
 * Starts a long-running command (a worker) and resolves once its output
 * matches `ready`; rejects if it exits first or is not ready within
 * readyWithinMs (default 60 s).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, readyWithinMs = 60_000): Promise<StartedCli> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started: StartedCli = { child, output: () => output };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`personaflow ${args.join(' ')} not ready within ${readyWithinMs / 1000} s:\n${output}`));
    }, readyWithinMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(started);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`personaflow ${args.join(' ')} exited (${code ?? signal}) before ready:\n${output}`));
    });
  });
}
