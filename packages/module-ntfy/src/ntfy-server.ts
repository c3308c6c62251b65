import { ModuleConfigError } from '@scoped-mcp/core';
import { secureOrLoopback } from '@scoped-mcp/service-http';
import type { NtfyServer } from './ntfy-publisher.js';

/**
 * The server and token from the credentials, checked once: a URL that is http(s), and a token only where
 * it cannot be read on the wire (https, or http to this machine). The messages name the variables, never
 * their values.
 */
export function ntfyServer(url: string, token: string | undefined, urlName: string): NtfyServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ModuleConfigError(`${urlName} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ModuleConfigError(`${urlName} must be an http:// or https:// URL`);
  }
  if (parsed.username || parsed.password) {
    throw new ModuleConfigError(`${urlName} must not hold a user or password: put a token in NTFY_TOKEN`);
  }
  if (token && !secureOrLoopback(parsed)) {
    throw new ModuleConfigError(
      `NTFY_TOKEN is set but ${urlName} is not https: the token would cross the network in clear (use https, or unset NTFY_TOKEN)`,
    );
  }
  return { base: parsed.href, ...(token ? { token } : {}) };
}
