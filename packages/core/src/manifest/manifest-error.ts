import type { ErrorCodeValue } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/scoped-mcp-error.js';

/**
 * Any reason a manifest cannot be used. `issues` holds one human-readable line per problem (field path and
 * what is wrong); neither the issues nor the message ever quote a value from the file, because values may be
 * secrets that `${VAR}` substitution put there.
 */
export class ManifestError extends ScopedMcpError {
  readonly file: string;
  readonly issues: readonly string[];

  constructor(code: ErrorCodeValue, file: string, issues: readonly string[], message?: string) {
    super(
      code,
      message ?? `Manifest '${file}' is invalid:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`,
    );
    this.name = 'ManifestError';
    this.file = file;
    this.issues = Object.freeze([...issues]);
  }
}
