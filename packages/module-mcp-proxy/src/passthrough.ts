import { z } from '@scoped-mcp/core';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Accepts any JSON object and returns the very same object: no copy, no stripped keys. Used for proxied
 * arguments (the upstream's own schema is checked with ajv instead) and for upstream results, which reach
 * the agent exactly as the upstream sent them.
 */
export const passthroughObject = z.custom<JsonObject>(isJsonObject, { message: 'expected an object' });
