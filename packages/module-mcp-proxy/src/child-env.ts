import type { McpProxyConfig } from './config.js';

/**
 * What a program needs to start at all (the list sudo and the MCP SDK use). Everything else the child gets
 * is named in the manifest: the proxy's own environment holds the agent's and the operator's secrets.
 */
export const SAFE_ENV_NAMES: readonly string[] = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

/**
 * The stdio upstream's whole environment, in increasing precedence: the safe names, `inherit_env`, the
 * `credential_env` values from the credential source, then `env`.
 */
export function childEnvironment(
  config: Pick<McpProxyConfig, 'env' | 'inherit_env' | 'credential_env'>,
  credentials: Readonly<Record<string, string>>,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...SAFE_ENV_NAMES, ...config.inherit_env]) {
    const value = parent[name];
    // A value starting with '()' is an exported shell function (the Shellshock vector): never pass it on.
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  for (const name of config.credential_env) {
    const value = credentials[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(config.env)) env[name] = value;
  return env;
}
