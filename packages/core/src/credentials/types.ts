/** The credential keys one module instance declared; only these are ever resolved for it. */
export interface CredentialRequest {
  /** The manifest key of the instance (`modules.<instance>`). */
  readonly instance: string;
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

/**
 * Where credential values come from. `lookup` is synchronous: a remote store (Vault) fetches its bundle once
 * when opened and answers from that map (see `credentialSourceFromMap`).
 */
export interface CredentialSource {
  readonly kind: 'env' | 'file' | (string & {});
  /** Names the source in messages, e.g. `file /run/secrets/agent.yml`; never contains a value. */
  readonly description?: string;
  /** Problems accepted on purpose (e.g. loose file permissions with `strict_permissions: false`). */
  readonly warnings?: readonly string[];
  lookup(key: string): string | undefined;
}

export interface ResolvedCredentials {
  /** Per instance, exactly the declared keys that resolved (required ones always present). */
  readonly byInstance: Map<string, Readonly<Record<string, string>>>;
  /** Every distinct non-empty value handed out, longest first, for exact-value redaction. */
  readonly secrets: readonly string[];
}
