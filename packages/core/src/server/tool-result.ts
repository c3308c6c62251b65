import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { redactSecretsInValue, type SecretRedactor } from '../redact/secrets.js';
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
 * backend echoes it. Checks every content block (text, embedded resources, …) and structuredContent.
 * Returns the number of places that had to be redacted.
 */
export function redactSecretsInResult(result: CallToolResult, redactor: SecretRedactor): number {
  if (!redactor.active) return 0;
  let hits = 0;
  const content = result.content as unknown[];
  for (let i = 0; i < content.length; i++) {
    const block = content[i];
    const redacted = redactSecretsInValue(block, redactor);
    if (redacted !== block) {
      content[i] = redacted;
      hits++;
    }
  }
  if (result.structuredContent !== undefined) {
    const redacted = redactSecretsInValue(result.structuredContent, redactor);
    if (redacted !== result.structuredContent) {
      result.structuredContent = redacted;
      hits++;
    }
  }
  return hits;
}
