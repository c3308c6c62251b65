import { UpstreamError } from '@scoped-mcp/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { passthroughObject } from './passthrough.js';

const MAX_PAGES = 100;

/**
 * Every page of tools/list, as the upstream sent it. The SDK's own listTools() would re-parse each tool
 * with a schema that drops fields it does not know; a proxy must forward what it got.
 */
export async function listAllTools(client: Client, timeoutMs: number): Promise<unknown[]> {
  const tools: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      passthroughObject,
      { timeout: timeoutMs },
    );
    if (!Array.isArray(result.tools)) {
      throw new UpstreamError(
        'SMCP_UPSTREAM_ERROR',
        'the upstream answered tools/list without a tools array',
      );
    }
    tools.push(...(result.tools as unknown[]));
    cursor =
      typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
    if (cursor === undefined) return tools;
  }
  return tools;
}
