import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/scoped-mcp-error.js';
import type { Manifest } from '../manifest/manifest-types.js';
import { envCredentialSource } from './env-source.js';
import { openFileCredentialSource } from './file-source.js';
import type { CredentialSource } from './types.js';

export interface OpenCredentialSourceOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Directory of the manifest; a relative secrets-file path resolves from it. */
  readonly manifestDir: string;
}

/** Opens the manifest's credential source once, at startup. Throws `ScopedMcpError` (credentialsSource). */
export async function openCredentialSource(
  config: Manifest['credentials'],
  options: OpenCredentialSourceOptions,
): Promise<CredentialSource> {
  switch (config.source) {
    case 'env':
      return envCredentialSource(options.env);
    case 'file':
      return openFileCredentialSource(config.path, {
        manifestDir: options.manifestDir,
        strictPermissions: config.strict_permissions,
      });
    case 'vault':
      throw new ScopedMcpError(
        ErrorCode.credentialsSource,
        "credentials.source 'vault' needs the @scoped-mcp/credentials-vault package, which is not available yet",
      );
    default:
      throw new ScopedMcpError(
        ErrorCode.credentialsSource,
        `credentials.source '${String((config as { source: unknown }).source)}' is not supported`,
      );
  }
}
