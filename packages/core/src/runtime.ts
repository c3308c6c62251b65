// The runtime API of @scoped-mcp/core, used by the CLI and by programs that embed scoped-mcp.
export {
  AuditUnavailableError,
  HitlApprovalRequired,
  HitlRejected,
  ManifestError,
  MessageTooLargeError,
  NotifyError,
  PluginLoadError,
  RateLimitError,
  ServerBusyError,
  SetupTimeoutError,
  StartupError,
  StateUnavailableError,
  ToolNotFoundError,
  ToolOutputError,
  UnexpectedFailure,
} from './errors/index.js';
export { createLoggers, type LogTargets, type Loggers, type AuditLogger } from './audit/loggers.js';
export type { AuditChainSettings, AuditHead } from './audit/audit-log.js';
export {
  type ChainFinding,
  type ChainVerdict,
  type VerifyOptions,
  verifyAuditFile,
  verifyChain,
} from './audit/chain-verifier.js';
export { type AgentIdentity, resolveIdentity } from './identity/agent-identity.js';
export { coreVersion, findPackage, readPackageJson } from './loader/plugin-package.js';
export { installCommand } from './loader/install-command.js';
export { MODULE_KEYWORD } from './loader/module-plugin.js';
export { composeMiddleware, type CallHandler, type Middleware, type ToolCall } from './middleware/compose.js';
export { type Assembly, type AssembleOptions, assemble } from './runtime/assemble.js';
export { type RunOptions, runStdioServer } from './runtime/run-stdio.js';
export {
  createScopedServer,
  openScopedServer,
  type RuntimeServerOptions,
  type ScopedServer,
  type ScopedServerOptions,
} from './runtime/scoped-server.js';
export { type ModuleCommandOptions, runModuleCommand } from './runtime/module-command.js';
export { type OpenNotifierOptions, openNotifier } from './runtime/open-notifier.js';
export {
  type OpenStateBackendOptions,
  openStateBackend,
  REDIS_STATE_PACKAGE,
} from './runtime/open-state-backend.js';
export { type RuntimeOptions, STATUS_TOOL, ScopedRuntime } from './server/scoped-runtime.js';
export { type CallSlot, CallsInFlight, type CallsInFlightLimits } from './server/calls-in-flight.js';
export type { InstanceSpec, ModuleStatus } from './server/module-instance.js';
export type { StatusReport } from './server/status-report.js';
export { type InstalledModule, listInstalledModules } from './loader/list-installed.js';
export {
  type CredentialRequest,
  type CredentialSource,
  credentialSourceFromMap,
  openCredentialSource,
  type ResolvedCredentials,
  resolveCredentials,
} from './credentials/index.js';
export {
  type ArgumentFilterRule,
  compileFilterPattern,
  DEFAULT_LIMITS,
  formatZodIssues,
  type HitlConfig,
  type HitlNotifyConfig,
  type LoadedManifest,
  loadManifest,
  MANIFEST_SCHEMA_ID,
  type Manifest,
  manifestJsonSchema,
  manifestSchema,
  type ModuleEntry,
  moduleTypeOf,
  parseManifest,
  type RateLimitsConfig,
  type ResponseFilterRule,
  type StateBackendConfig,
} from './manifest/index.js';
export {
  agentKeyPrefix,
  agentState,
  DEFAULT_STATE_PREFIX,
  inProcessState,
  sanitizeKeyPart,
  type SlidingWindowResult,
  type StateBackend,
} from './state/index.js';
export { createRateLimitMiddleware, type RateLimitOptions } from './middleware/rate-limit.js';
export {
  approvalAgent,
  approvePending,
  type CredentialRedactor,
  type DecisionResult,
  escapeInvisible,
  listPendingApprovals,
  oneLineArguments,
  operatorCommand,
  type PendingApproval,
  type PendingEntry,
  prettyArguments,
  rejectPending,
  type ShowResult,
  showPending,
  TOKEN_TTL_SECONDS,
} from './hitl/index.js';
export { createHitlMiddleware, type HitlOptions } from './middleware/hitl.js';
export { buildGuardrails, type GuardrailOptions, type Guardrails } from './middleware/guardrails.js';
export {
  type ArgumentFilterOptions,
  createArgumentFilterMiddleware,
} from './middleware/argument-filter.js';
export { createResponseFilterMiddleware, type ResponseFilterOptions } from './middleware/response-filter.js';
export { compileGlob } from './shared/glob.js';
