import { CredentialsError } from '../errors/errors.js';
import type { CredentialSource } from './sources.js';

/** The credential keys one module instance declared; only these are ever resolved for it. */
export interface CredentialRequest {
  /** The manifest key of the instance (`modules.<instance>`). */
  readonly instance: string;
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

export interface ResolvedCredentials {
  /** Per instance, exactly the declared keys that resolved (required ones always present). */
  readonly byInstance: Map<string, Readonly<Record<string, string>>>;
  /** Every distinct non-empty value handed out, longest first, for exact-value redaction. */
  readonly secrets: readonly string[];
}

/**
 * Gives each instance exactly the keys it declared — never another instance's — and fails once, listing
 * every missing required key of every instance, so the operator fixes them all in one go. Values are never
 * part of any message.
 */
export function resolveCredentials(
  source: CredentialSource,
  requests: readonly CredentialRequest[],
): ResolvedCredentials {
  const byInstance = new Map<string, Readonly<Record<string, string>>>();
  const missing: string[] = [];
  const secrets = new Set<string>();
  for (const request of requests) {
    const entries: [string, string][] = [];
    const absent: string[] = [];
    const required = new Set(request.required);
    for (const key of new Set([...request.required, ...request.optional])) {
      const raw = source.lookup(key);
      const value = typeof raw === 'string' ? raw : undefined;
      if (value === undefined) {
        if (required.has(key)) absent.push(key);
        continue;
      }
      entries.push([key, value]);
      if (value.length > 0) secrets.add(value);
    }
    if (absent.length > 0) missing.push(`modules.${request.instance} needs ${absent.join(', ')}`);
    // fromEntries defines own properties, so even a key named `__proto__` stays plain data.
    byInstance.set(request.instance, Object.freeze(Object.fromEntries(entries)));
  }
  if (missing.length > 0) {
    throw new CredentialsError(
      'SMCP_CREDENTIALS_MISSING',
      `Missing required credential(s): ${missing.join('; ')} (source: ${source.description ?? source.kind})`,
    );
  }
  return { byInstance, secrets: [...secrets].sort((a, b) => b.length - a.length) };
}
