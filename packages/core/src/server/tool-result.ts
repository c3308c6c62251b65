import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ERROR_META_KEY, errorMeta } from '../errors/error-meta.js';
import { type ScopedMcpError, ToolOutputError } from '../errors/errors.js';
import { redactSecretsInValue, type SecretRedactor } from '../redact/secrets.js';
import { isRawResult, isStructuredResult } from '../module/define.js';
import type { ToolOutput } from '../module/types.js';
import { asText } from '../shared/filter-decode.js';

/** A tool's `output` schema, prepared once at startup: what is advertised, and the check of each result. */
export interface OutputSpec {
  readonly jsonSchema: NonNullable<Tool['outputSchema']>;
  /** `structuredContent` for a handler's value; throws ToolOutputError when the value does not match. */
  structured(tool: string, value: unknown): Record<string, unknown>;
}

/**
 * An object schema is `structuredContent` itself (MCP wants an object there); any other is wrapped as
 * `{ result: value }`, with FastMCP's `x-fastmcp-wrap-result` marker, so clients of the Python reference
 * see the same shape.
 */
export function outputSpec(schema: z.ZodType): OutputSpec {
  const derived = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete derived.$schema;
  const wrapped = derived.type !== 'object';
  let jsonSchema = derived;
  if (wrapped) {
    // References inside point at the root's $defs, which move up to the wrapper.
    const { $defs, ...inner } = derived;
    jsonSchema = {
      type: 'object',
      properties: { result: inner },
      required: ['result'],
      'x-fastmcp-wrap-result': true,
      ...($defs !== undefined ? { $defs } : {}),
    };
  }
  return {
    jsonSchema: jsonSchema as NonNullable<Tool['outputSchema']>,
    structured(tool, value) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new ToolOutputError(tool, issuesLine(parsed.error));
      return wrapped ? { result: parsed.data } : (parsed.data as Record<string, unknown>);
    },
  };
}

/**
 * A string becomes one text block; any other JSON value its JSON text; a raw result passes as is. With an
 * output schema the value also goes, checked, into `structuredContent`.
 */
export function toCallToolResult(output: ToolOutput, tool: string, spec?: OutputSpec): CallToolResult {
  if (isRawResult(output)) return output.result as CallToolResult;
  const value = isStructuredResult(output) ? output.value : output;
  const text = isStructuredResult(output)
    ? output.text
    : typeof output === 'string'
      ? output
      : JSON.stringify(output ?? null);
  const result: CallToolResult = { content: [{ type: 'text', text }] };
  if (spec) result.structuredContent = spec.structured(tool, value);
  return result;
}

/** The agent's text, and the code and details for its program in `_meta` (see errors/error-meta.ts). */
export function errorResult(error: ScopedMcpError, text: string): CallToolResult {
  return {
    content: [{ type: 'text', text }],
    isError: true,
    _meta: { [ERROR_META_KEY]: errorMeta(error) },
  };
}

/**
 * Safety net for module bugs: a secret this process holds must never reach the agent, even if a
 * backend echoes it. Checks every string of every content block (text, links, embedded resources,
 * media), structuredContent, `_meta` and any other field. Returns the number of places that had to be
 * redacted.
 */
export function redactSecretsInResult(result: CallToolResult, redactor: SecretRedactor): number {
  if (!redactor.active) return 0;
  let hits = 0;
  const content = result.content as unknown[];
  for (let i = 0; i < content.length; i++) {
    const block = content[i];
    const redacted = redactSecretsInValue(redactBase64Payloads(block, redactor), redactor);
    if (redacted !== block) {
      content[i] = redacted;
      hits++;
    }
  }
  for (const field of Object.keys(result)) {
    if (field === 'content' || field === 'isError') continue;
    const value = result[field];
    if (value === undefined) continue;
    const redacted = redactSecretsInValue(value, redactor);
    if (redacted !== value) {
      result[field] = redacted;
      hits++;
    }
  }
  return hits;
}

/**
 * A secret inside a base64 payload (an image's or audio's `data`, a resource's `blob`) is found in its
 * encoded form; replacing it there would leave invalid base64, which the SDK refuses. A payload that is
 * text is decoded, redacted and encoded again; a binary one that holds a secret is emptied.
 */
function redactBase64Payloads(block: unknown, redactor: SecretRedactor): unknown {
  if (typeof block !== 'object' || block === null) return block;
  const record = block as Record<string, unknown>;
  if (typeof record.data === 'string' && redactor.contains(record.data)) {
    return { ...record, data: redactedBase64(record.data, redactor) };
  }
  const resource = record.resource as Record<string, unknown> | undefined;
  if (typeof resource?.blob === 'string' && redactor.contains(resource.blob)) {
    return { ...record, resource: { ...resource, blob: redactedBase64(resource.blob, redactor) } };
  }
  return block;
}

function redactedBase64(data: string, redactor: SecretRedactor): string {
  const text = asText(Buffer.from(data, 'base64'));
  return text === undefined ? '' : Buffer.from(redactor.redact(text), 'utf8').toString('base64');
}

/** One line for the agent: which argument is wrong and how. zod's messages carry no input values. */
export function describeArgumentIssues(tool: string, error: z.ZodError): string {
  return `Invalid arguments for '${tool}': ${issuesLine(error)}`;
}

/** The first five issues of a zod error on one line, `path: message; …`, and how many more there are. */
export function issuesLine(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length > 5 ? ` (+${error.issues.length - 5} more)` : '';
  return `${parts.join('; ')}${more}`;
}
