export {
  compileFilterPattern,
  type DecodeStep,
  filterPatternProblem,
  splitLeadingIgnoreCase,
} from '../shared/filter-decode.js';
export { type FormatIssuesOptions, formatPath, formatZodIssues } from './issues.js';
export { MANIFEST_SCHEMA_ID, manifestJsonSchema } from './json-schema.js';
export {
  type ExpandedText,
  expandVariables,
  type LoadedManifest,
  loadManifest,
  manifestSchema,
  type ParsedManifest,
  parseManifest,
} from './load.js';
export {
  type ArgumentFilterRule,
  type AuditConfig,
  type CredentialsConfig,
  DEFAULT_LIMITS,
  type HitlConfig,
  type HitlNotifyConfig,
  type HitlSigningConfig,
  type InteractionPermissions,
  type Manifest,
  type ManifestInput,
  MODULE_KEY_PATTERN,
  type ModuleEntry,
  type ModuleMode,
  manifestInputSchema,
  moduleTypeOf,
  RATE_SPEC_PATTERN,
  type RateLimitsConfig,
  type RateSpec,
  type ResponseFilterRule,
  type StateBackendConfig,
  type VaultConfig,
  type WorkspaceAccessEntry,
} from './schema.js';
