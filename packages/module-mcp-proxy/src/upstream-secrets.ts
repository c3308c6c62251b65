import type { McpProxyConfig } from './config.js';

const SECRET_NAME = /KEY|TOKEN|SECRET|PASS|PWD|AUTH|CRED|PRIVATE|SESSION|COOKIE|SIGNATURE/i;
const MIN_LENGTH = 6;
/** The marker core's own redaction uses, so the agent sees one convention. */
const REDACTED = '<redacted-secret>';

export type TextRedactor = (text: string) => string;

/**
 * The secrets this instance hands its upstream (credential_env values, secret-named env values, header
 * values and bearer tokens). What the upstream sends back outside tool results — its log messages, its
 * sampling and elicitation requests, its error messages, its stderr — is scrubbed of them before it
 * reaches the agent or the ops log, so an agent cannot make an upstream echo its own credentials there.
 */
export function upstreamSecretValues(
  config: Pick<McpProxyConfig, 'env' | 'headers'>,
  credentials: Readonly<Record<string, string>>,
): string[] {
  const values = new Set<string>(Object.values(credentials));
  for (const [name, value] of Object.entries(config.env)) if (SECRET_NAME.test(name)) values.add(value);
  for (const value of Object.values(config.headers)) {
    values.add(value);
    const token = /^\s*\S+\s+(\S+)\s*$/.exec(value)?.[1];
    if (token) values.add(token);
  }
  // Longest first, so a token inside a longer header value does not leave the rest of it behind.
  return [...values].filter((v) => v.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
}

export function textRedactor(values: readonly string[]): TextRedactor {
  if (values.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  };
}

/** Redacts every string inside a JSON value; returns the value itself when nothing had to change. */
export function redactValue<T>(value: T, redact: TextRedactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = redactValue(value[i], redact);
      if (next !== value[i]) {
        copy ??= [...value];
        copy[i] = next;
      }
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, member] of Object.entries(value)) {
    const next = redactValue(member, redact);
    if (next !== member) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return (copy ?? value) as T;
}
