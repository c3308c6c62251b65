// The module-author API of @scoped-mcp/core. Modules import `z` from here, never zod or the MCP SDK.
export { z } from 'zod';
export {
  ERROR_META_KEY,
  ERRORS,
  ErrorCode,
  type ErrorCodeValue,
  type ErrorDetails,
  type ErrorMeta,
  errorLine,
  errorMessage,
  errorName,
  IdentityError,
  isScopedMcpError,
  isScopeViolation,
  LimitExceededError,
  ModuleConfigError,
  ModuleDefinitionError,
  NotifyError,
  PolicyError,
  readErrorMeta,
  ScopedMcpError,
  type ScopedMcpErrorOptions,
  ScopeViolation,
  StateBackendError,
  ToolFailure,
  ToolInputError,
  UpstreamError,
  type UpstreamErrorCode,
} from './errors/index.js';
export type { AgentIdentity } from './identity/agent-identity.js';
export {
  defineModule,
  defineTool,
  isRawResult,
  isScopedMcpModule,
  isStructuredResult,
  MODULE_NAME_PATTERN,
  rawResult,
  structuredResult,
  TOOL_KEY_PATTERN,
  toolFactory,
} from './module/define.js';
export type {
  CallChannel,
  ClientRequestOptions,
  LogLevel,
  SessionChannel,
} from './module/client-channel.js';
export { directoryProblem } from './module/directory-check.js';
export { DEFAULT_LIMITS } from './manifest/schema.js';
export type {
  HitlNotification,
  Notifier,
  NotifierContext,
  NotifierFactory,
  NotifierSettings,
  NotifierSetup,
} from './module/notifier.js';
export type {
  AnyToolDefinition,
  CommandInstance,
  CoreLimits,
  CredentialSpec,
  JsonValue,
  ModuleCheckContext,
  ModuleCommand,
  ModuleCommandContext,
  ModuleContext,
  ModuleDefinition,
  ModuleInput,
  ModuleLogger,
  RawToolResult,
  ScopedMcpModule,
  StructuredResult,
  ToolAnnotationHints,
  ToolBuilder,
  ToolContext,
  ToolDefinition,
  ToolMode,
  ToolOutput,
  ToolSet,
} from './module/types.js';
export { type CanonicalJsonOptions, canonicalJson } from './shared/canonical-json.js';
export { DEFAULT_MAX_JSON_DEPTH, nestsDeeperThan } from './shared/json-depth.js';
export { type NamespaceScope, namespaceScope, renderAgentTemplate } from './scope/namespace-scope.js';
export {
  type LexicalPath,
  type PrefixScope,
  prefixScope,
  type ScopedPath,
  type ResolveOptions,
} from './scope/prefix-scope.js';
export {
  type ReadFileOptions,
  type ScopedFs,
  type ScopedFsOptions,
  type StaleTempOptions,
  type StaleTempSweep,
  isScopedFsTempName,
  scopedFs,
  fsErrorCode,
  fsToolError,
} from './scope/scoped-fs.js';
export {
  checkWindowArgs,
  defineStateBackendFactory,
  isStateBackendFactory,
  keyGlobMatcher,
  MAX_KEYS,
  type SlidingWindowResult,
  type StateBackend,
  type StateBackendFactory,
  type StateBackendFactoryContext,
  type StateBackendLog,
  type StateBackendPackageConfig,
  stateTtlMs,
} from './state/index.js';
export { LineFramer, type LineSink, type OversizeLine } from './shared/line-framer.js';
export {
  type OversizeKind,
  type OversizeMessage,
  oversizeResponseId,
  readOversizeMessage,
} from './shared/oversize-id.js';
