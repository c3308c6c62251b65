import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/scoped-mcp-error.js';

/** Everything that stops startup, collected so the operator fixes all of it in one pass. */
export class StartupError extends ScopedMcpError {
  constructor(
    readonly problems: readonly string[],
    readonly file?: string,
  ) {
    super(
      ErrorCode.startup,
      `${file ? `Cannot start with manifest '${file}'` : 'Cannot start'}:\n${problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}`,
    );
    this.name = 'StartupError';
  }
}
