import type { CredentialSource } from './types.js';

export interface MapSourceOptions {
  readonly kind: string;
  readonly description?: string;
  readonly warnings?: readonly string[];
}

/** A source answering from a prefetched bundle (secrets file, Vault KV read). Copies the bundle. */
export function credentialSourceFromMap(
  values: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  options: MapSourceOptions,
): CredentialSource {
  const bundle = new Map<string, string>(values instanceof Map ? values : Object.entries(values));
  return {
    kind: options.kind,
    description: options.description ?? options.kind,
    warnings: Object.freeze([...(options.warnings ?? [])]),
    lookup: (key) => bundle.get(key),
  };
}
