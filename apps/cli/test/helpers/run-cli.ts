import { spawn } from 'node:child_process';
import { cliBin, requireBuiltCli } from './paths.js';

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Killed (and the test fails on the null exit code) after this long. */
  readonly timeoutMs?: number;
}

/**
 * Runs a non-serving command (or a `run` expected to fail at startup) to completion. stdin is closed at
 * once, so a `run` that unexpectedly starts serving exits on EOF instead of hanging the suite.
 */
export function runCli(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  requireBuiltCli();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], {
      cwd: options.cwd,
      env: { ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
