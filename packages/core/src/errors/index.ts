export { ErrorCode, type ErrorCodeValue } from './codes.js';
export {
  isScopedMcpError,
  isScopeViolation,
  LimitExceededError,
  ScopedMcpError,
  ScopeViolation,
  ToolFailure,
  ToolInputError,
} from './scoped-mcp-error.js';
