import { basename, isAbsolute } from 'node:path';
import { childEnvironment } from './child-env.js';
import type { HeaderValue, McpProxyConfig } from './config.js';
import type { UpstreamTarget } from './upstream-link.js';

export interface TargetContext {
  readonly credentials: Readonly<Record<string, string>>;
  readonly manifestDir: string;
  resolvePath(path: string): string;
}

export interface TargetHooks {
  onStderr?(line: string): void;
  onDropped?(bytes: number): void;
}

/**
 * Where and how to reach the upstream. A command with a path separator is resolved against the manifest's
 * directory and the child starts there too — never in the working directory, which is usually the agent's
 * own writable workspace (a relative script path there would run whatever the agent put in its place).
 */
export function buildTarget(config: McpProxyConfig, ctx: TargetContext, hooks: TargetHooks): UpstreamTarget {
  if (config.url !== undefined) {
    return { kind: 'http', url: new URL(config.url), headers: httpHeaders(config.headers, ctx.credentials) };
  }
  const command = config.command!;
  return {
    kind: 'stdio',
    command: command.includes('/') && !isAbsolute(command) ? ctx.resolvePath(command) : command,
    args: config.args,
    env: childEnvironment(config, ctx.credentials),
    cwd: config.cwd === undefined ? ctx.manifestDir : ctx.resolvePath(config.cwd),
    maxMessageBytes: config.max_response_bytes,
    ...hooks,
  };
}

/** Header values, those naming a credential resolved from the instance's credentials (declared, so present). */
function httpHeaders(
  headers: Readonly<Record<string, HeaderValue>>,
  credentials: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = typeof value === 'string' ? value : `${value.prefix}${credentials[value.credential] ?? ''}`;
  }
  return out;
}

/**
 * How the upstream is named in logs and errors: the program's name, or the URL without credentials, query
 * or fragment. Arguments, environment and headers are never shown (they carry secrets).
 */
export function describeTarget(config: McpProxyConfig): string {
  if (config.command !== undefined) return `stdio: ${basename(config.command)}`;
  try {
    const url = new URL(config.url!);
    return `http: ${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'http';
  }
}
