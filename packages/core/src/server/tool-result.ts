import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { SecretRedactor } from '../audit/secret-redactor.js';
import { isRawResult } from '../module/define.js';
import type { ToolOutput } from '../module/types.js';

/** A string becomes one text block; any other JSON value its JSON text; a raw result passes as is. */
export function toCallToolResult(output: ToolOutput): CallToolResult {
  if (isRawResult(output)) return output.result as CallToolResult;
  const text = typeof output === 'string' ? output : JSON.stringify(output ?? null);
  return { content: [{ type: 'text', text }] };
}

export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * Safety net for module bugs: a credential this process holds must never reach the agent, even if a
 * backend echoes it. Returns the number of blocks that had to be redacted.
 */
export function redactSecretsInResult(result: CallToolResult, redactor: SecretRedactor): number {
  if (!redactor.active) return 0;
  let hits = 0;
  for (const block of result.content) {
    if (block.type === 'text' && redactor.contains(block.text)) {
      (block as { text: string }).text = redactor.redact(block.text);
      hits++;
    }
  }
  if (result.structuredContent !== undefined) {
    const json = JSON.stringify(result.structuredContent);
    if (redactor.contains(json)) {
      result.structuredContent = JSON.parse(redactor.redact(json)) as Record<string, unknown>;
      hits++;
    }
  }
  return hits;
}
