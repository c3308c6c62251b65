import { ErrorCode, type ErrorCodeValue } from './codes.js';

const BRAND = Symbol.for('scoped-mcp.error');

/**
 * Base of every error scoped-mcp raises on purpose. Messages are written for their reader: startup errors
 * for the operator, tool errors for the agent (one line, no secret, no host path outside the agent's scope).
 * Branded with Symbol.for so a module bundling its own copy of core is still recognised.
 */
export class ScopedMcpError extends Error {
  readonly code: ErrorCodeValue;
  readonly [BRAND] = true;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScopedMcpError';
    this.code = code;
  }
}

export function isScopedMcpError(value: unknown): value is ScopedMcpError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** An attempt to reach outside the agent's scope. Audited as `scope_violation`. */
export class ScopeViolation extends ScopedMcpError {
  constructor(message: string) {
    super(ErrorCode.scopeViolation, message);
    this.name = 'ScopeViolation';
  }
}

export function isScopeViolation(value: unknown): value is ScopedMcpError {
  return isScopedMcpError(value) && value.code === ErrorCode.scopeViolation;
}

/** Bad arguments the agent can fix; the message is shown to the agent as is. */
export class ToolInputError extends ScopedMcpError {
  constructor(message: string) {
    super(ErrorCode.toolInput, message);
    this.name = 'ToolInputError';
  }
}

/** A configured cap (size, rows, time) was hit; the message says which and how to stay under it. */
export class LimitExceededError extends ScopedMcpError {
  constructor(message: string) {
    super(ErrorCode.limitExceeded, message);
    this.name = 'LimitExceededError';
  }
}

/** A backend failure whose message is safe to show the agent (no secret, no host path). */
export class ToolFailure extends ScopedMcpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.toolFailed, message, options);
    this.name = 'ToolFailure';
  }
}
