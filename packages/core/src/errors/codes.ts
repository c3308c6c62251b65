/** Every error code scoped-mcp raises. Codes are stable: tooling and tests match on them. */
export const ErrorCode = {
  identityMissing: 'SMCP_IDENTITY_MISSING',
  identityInvalid: 'SMCP_IDENTITY_INVALID',
  manifestNotFound: 'SMCP_MANIFEST_NOT_FOUND',
  manifestSyntax: 'SMCP_MANIFEST_SYNTAX',
  manifestInvalid: 'SMCP_MANIFEST_INVALID',
  manifestUndefinedVariable: 'SMCP_MANIFEST_UNDEFINED_VARIABLE',
  moduleNotFound: 'SMCP_LOADER_NOT_FOUND',
  moduleIncompatible: 'SMCP_LOADER_INCOMPATIBLE',
  moduleInvalid: 'SMCP_LOADER_INVALID_MODULE',
  moduleImportFailed: 'SMCP_LOADER_IMPORT_FAILED',
  credentialsMissing: 'SMCP_CREDENTIALS_MISSING',
  credentialsSource: 'SMCP_CREDENTIALS_SOURCE',
  scopeViolation: 'SMCP_SCOPE_VIOLATION',
  toolInput: 'SMCP_TOOL_INPUT',
  toolFailed: 'SMCP_TOOL_FAILED',
  limitExceeded: 'SMCP_TOOL_LIMIT_EXCEEDED',
  notFound: 'SMCP_TOOL_NOT_FOUND',
  startup: 'SMCP_STARTUP',
  rateLimited: 'SMCP_RATE_LIMITED',
  stateUnavailable: 'SMCP_STATE_UNAVAILABLE',
  hitlApprovalRequired: 'SMCP_HITL_APPROVAL_REQUIRED',
  hitlRejected: 'SMCP_HITL_REJECTED',
  policyBlocked: 'SMCP_POLICY_BLOCKED',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
