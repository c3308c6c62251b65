export {
  compileFilterPattern,
  filterPatternProblem,
  splitLeadingIgnoreCase,
} from './filter-pattern.js';
export { type FormatIssuesOptions, formatPath, formatZodIssues } from './format-issues.js';
export { MANIFEST_SCHEMA_ID, manifestJsonSchema } from './json-schema.js';
export { type LoadedManifest, loadManifest } from './load-manifest.js';
export { ManifestError } from './manifest-error.js';
export { type ManifestInput, manifestInputSchema, manifestSchema } from './manifest-schema.js';
export type {
  ArgumentFilterRule,
  AuditConfig,
  CredentialsConfig,
  DecodeStep,
  HitlConfig,
  HitlNotifyConfig,
  HitlSigningConfig,
  InteractionPermissions,
  Manifest,
  ModuleEntry,
  ModuleMode,
  RateLimitsConfig,
  RateSpec,
  ResponseFilterRule,
  StateBackendConfig,
  VaultConfig,
  WorkspaceAccessEntry,
} from './manifest-types.js';
export { moduleTypeOf } from './module-type.js';
export { type ParsedManifest, parseManifest } from './parse-manifest.js';
export { MODULE_KEY_PATTERN } from './schema-modules.js';
export { RATE_SPEC_PATTERN } from './schema-shared.js';
export { type SubstitutionResult, substituteEnv } from './substitute-env.js';
