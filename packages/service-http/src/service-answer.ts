import { UpstreamError } from '@scoped-mcp/core';
import type { ServiceResponse } from './service-client.js';

// Reading a service's answer: how long it asks to wait, the error for a status the module does not accept,
// its JSON, and a line of its own words safe to quote. Never the URL, never the body unless the module
// picked a documented message out of it.

/** A 429's `Retry-After` header in ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function headerRetryAfter(response: Pick<ServiceResponse, 'headers'>): number | undefined {
  return parseRetryAfter(response.headers['retry-after']);
}

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The error for an answer the module does not accept: 429 and 5xx say "try later" (with the wait when the
 * service gave one), anything else is the service's refusal, explained by `reason` when the module knows
 * it. Never the URL, never the body unless the module picked a documented error name out of it.
 */
export function responseError(service: string, response: ServiceResponse, reason?: string): UpstreamError {
  const what = reason ? `: ${reason}` : '';
  if (response.status === 429) {
    const wait = response.retryAfterMs;
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `${service} is rate limiting (HTTP 429${what})${wait === undefined ? '; retry later' : `; retry in ${Math.ceil(wait / 1000)} s`}`,
      wait === undefined ? {} : { details: { retry_after_ms: wait } },
    );
  }
  if (response.status >= 500) {
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `${service} failed (HTTP ${response.status}${what}); retry later`,
    );
  }
  if (response.status >= 300 && response.status < 400) {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `${service} answered with a redirect (HTTP ${response.status}), which is never followed: check the configured URL`,
    );
  }
  return new UpstreamError(
    'SMCP_UPSTREAM_ERROR',
    `${service} refused the message (HTTP ${response.status}${what})`,
  );
}

/** The body parsed as a JSON object, or undefined (an error page, a truncated answer). */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Characters of a service's own message quoted to the agent; the rest is cut. */
const QUOTED_MAX_CHARS = 300;

/**
 * A service's own words (an error message from its JSON, an error page's text) on one bounded line: line
 * breaks and other control characters become spaces, runs of space one space, and it is cut at 300
 * characters.
 */
export function quotedLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const line = text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > QUOTED_MAX_CHARS ? `${line.slice(0, QUOTED_MAX_CHARS)}…` : line;
}
