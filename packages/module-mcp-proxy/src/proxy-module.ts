import { defineModule } from '@scoped-mcp/core';
import { headerCredentialKeys, mcpProxyConfig } from './config.js';
import { pinsCommand } from './pins-command.js';
import { startProxy } from './start-proxy.js';
import { upstreamSecretValues } from './upstream-secrets.js';

export type { McpProxyState } from './start-proxy.js';

export default defineModule({
  name: 'mcp_proxy',
  description:
    "Re-exposes the tools of an upstream MCP server (stdio command or streamable HTTP URL) as <key>_<tool>, with the manifest's audit, guardrails and credentials; tool definitions can be pinned.",
  config: mcpProxyConfig,
  credentials: (config) => ({ required: [...config.credential_env, ...headerCredentialKeys(config)] }),
  secrets: (config) => upstreamSecretValues(config),
  setup: (ctx) => startProxy(ctx),
  teardown: (state) => state.upstream.stop(),
  dynamicTools: (state) => state.catalog.tools,
  commands: { pins: pinsCommand },
});
