import { renderAgentTemplate, z } from '@scoped-mcp/core';

const MIB = 1024 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const envName = z.string().regex(ENV_NAME, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)');

/**
 * A header value: literal text (`${VAR}` from the manifest allowed), or a key of the manifest's credential
 * source, resolved at startup like `credential_env`, with an optional prefix (`Bearer `).
 */
const headerValue = z.union([
  z.string(),
  z.strictObject({
    credential: envName.describe("A key of the manifest's credential source."),
    prefix: z.string().default('').describe('Text before the credential, e.g. "Bearer ".'),
  }),
]);

export type HeaderValue = z.output<typeof headerValue>;

/** Keys that only mean something for a stdio upstream (`command`). */
const STDIO_ONLY = ['args', 'env', 'cwd', 'inherit_env', 'credential_env'] as const;

export const mcpProxyConfig = z
  .strictObject({
    command: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Executable of a stdio upstream: a name looked up on PATH, or a path relative to the manifest. XOR url.',
      ),
    args: z.array(z.string()).default([]).describe('Arguments of the stdio upstream.'),
    env: z
      .record(envName, z.string())
      .default({})
      .describe(
        'Variables given to the stdio upstream (the proxy never passes its own environment); values may use $' +
          '{VAR} from the manifest.',
      ),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Working directory of the stdio upstream, relative to the manifest (default: the manifest's directory).",
      ),
    inherit_env: z
      .array(envName)
      .default([])
      .describe("Names of variables copied from the proxy's own environment, e.g. [LANG]. Never a default."),
    credential_env: z
      .array(envName)
      .default([])
      .describe(
        "Credential keys taken from the manifest's credential source into the upstream's environment.",
      ),
    url: z
      .string()
      .optional()
      .describe(
        'Streamable HTTP endpoint of an HTTP upstream (legacy SSE is tried only if it needs it). XOR command.',
      ),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'must be an HTTP header name'), headerValue)
      .default({})
      .describe(
        'HTTP headers sent to an HTTP upstream: text (e.g. Bearer $' +
          '{TOKEN}) or { credential: KEY, prefix: "Bearer " } from the credential source.',
      ),
    tool_allowlist: z
      .array(z.string().min(1))
      .default([])
      .describe('Upstream tool names (as the upstream spells them) to offer; empty = all.'),
    tool_denylist: z
      .array(z.string().min(1))
      .default([])
      .describe('Upstream tool names never offered; applied after the allowlist.'),
    discovery_timeout_seconds: z
      .number()
      .positive()
      .max(600)
      .default(10)
      .describe('Limit for starting the upstream, initialising it and listing its tools.'),
    call_timeout_seconds: z
      .number()
      .positive()
      .max(86_400)
      .default(60)
      .describe('Limit for one tool call; the upstream call is cancelled when it is reached.'),
    argument_check_ms: z
      .number()
      .int()
      .min(10)
      .max(1000)
      .default(100)
      .describe(
        "Longest the proxy spends checking one call's arguments against the upstream's schema (and compiling that schema once); a call that needs longer is refused.",
      ),
    max_response_bytes: z
      .number()
      .int()
      .positive()
      .default(4 * MIB)
      .describe('Largest upstream message accepted, in bytes (default 4 MiB).'),
    roots: z
      .enum(['client', 'scoped', 'none'])
      .default('client')
      .describe(
        "roots/list from the upstream: 'client' asks the agent's client (if it has roots), 'scoped' answers with roots_path, 'none' offers no roots.",
      ),
    roots_path: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The agent's own directory for roots: scoped, e.g. ./data/agents/{agent_id}. Relative to the manifest.",
      ),
    pinning: z
      .enum(['off', 'warn', 'enforce'])
      .default('warn')
      .describe(
        "Tool-definition pins (<manifest>.pins.json, written by 'scoped-mcp pins update'): 'enforce' withholds drifted or new tools.",
      ),
    restart: z
      .strictObject({
        max_backoff_seconds: z
          .number()
          .positive()
          .max(3600)
          .default(30)
          .describe('Longest wait between restarts of a crashed upstream.'),
      })
      .default({ max_backoff_seconds: 30 })
      .describe('Restart policy for a crashed stdio upstream or a lost HTTP session.'),
  })
  .superRefine((config, ctx) => {
    const hasUrl = config.url !== undefined;
    const hasCommand = config.command !== undefined;
    if (!hasUrl && !hasCommand) {
      ctx.addIssue({
        code: 'custom',
        message: "mcp_proxy requires either 'url' (HTTP) or 'command' (stdio)",
      });
      return;
    }
    if (hasUrl && hasCommand) {
      ctx.addIssue({ code: 'custom', message: "mcp_proxy: specify 'url' OR 'command', not both" });
      return;
    }
    if (hasUrl) {
      checkUrl(config.url!, ctx);
      for (const key of STDIO_ONLY) {
        if (isSet(config[key])) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `'${key}' applies to a stdio upstream ('command') only; this one is HTTP ('url')`,
          });
        }
      }
    } else if (Object.keys(config.headers).length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['headers'],
        message:
          "'headers' apply to an HTTP upstream ('url') only; give a stdio upstream its credentials with 'env' or 'credential_env'",
      });
    }
    for (const key of config.credential_env) {
      if (Object.hasOwn(config.env, key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['env', key],
          message: `'${key}' is set both in 'env' and in 'credential_env'; keep one`,
        });
      }
    }
    if (config.roots === 'scoped' && config.roots_path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['roots_path'], message: "roots: scoped needs 'roots_path'" });
    }
    if (config.roots !== 'scoped' && config.roots_path !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['roots_path'],
        message: "'roots_path' is used only with roots: scoped",
      });
    }
    if (config.roots_path !== undefined) {
      try {
        renderAgentTemplate(config.roots_path, { id: 'agent', type: 'type' });
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['roots_path'], message: (error as Error).message });
      }
    }
  });

export type McpProxyConfig = z.output<typeof mcpProxyConfig>;

/** The credential keys the headers name, so that only those (and credential_env) are resolved. */
export function headerCredentialKeys(config: Pick<McpProxyConfig, 'headers'>): string[] {
  return Object.values(config.headers).flatMap((value) =>
    typeof value === 'string' ? [] : [value.credential],
  );
}

function isSet(value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return true;
}

/** Never echoes the URL: it may carry credentials (userinfo, query tokens). */
function checkUrl(url: string, ctx: z.RefinementCtx): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    ctx.addIssue({ code: 'custom', path: ['url'], message: "'url' is not a valid URL" });
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', path: ['url'], message: "'url' must be http:// or https://" });
  }
}
