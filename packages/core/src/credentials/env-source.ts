import type { CredentialSource } from './types.js';

/** Reads credentials from the environment. An empty value counts as present (reference behaviour). */
export function envCredentialSource(env: NodeJS.ProcessEnv): CredentialSource {
  return {
    kind: 'env',
    description: 'env',
    warnings: [],
    // Own properties only: a key such as `constructor` must not resolve to something inherited.
    lookup: (key) => {
      const value = Object.hasOwn(env, key) ? env[key] : undefined;
      return typeof value === 'string' ? value : undefined;
    },
  };
}
