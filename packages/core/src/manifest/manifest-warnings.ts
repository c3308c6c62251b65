import { formatPath } from './format-issues.js';
import type { Manifest } from './manifest-types.js';

/**
 * Things that load but are probably not what the operator meant. Patterns that can never match fail open
 * (a rate limit or approval gate that silently applies to nothing), so they are called out at startup.
 */
export function manifestWarnings(manifest: Manifest, input: Readonly<Record<string, unknown>>): string[] {
  const warnings: string[] = [];
  const checkPattern = (path: readonly PropertyKey[], pattern: string) => {
    if (pattern.includes('.')) {
      warnings.push(`${formatPath(path)}: dotted pattern will never match a tool name (tool names use '_')`);
    }
  };
  for (const pattern of Object.keys(manifest.rate_limits?.per_tool ?? {})) {
    checkPattern(['rate_limits', 'per_tool', pattern], pattern);
  }
  for (const list of ['approval_required', 'shadow'] as const) {
    for (const [i, pattern] of (manifest.hitl?.[list] ?? []).entries())
      checkPattern(['hitl', list, i], pattern);
  }

  const credentials = input.credentials as Readonly<Record<string, unknown>> | null | undefined;
  if (manifest.credentials.source === 'env' && credentials?.path != null) {
    warnings.push("credentials.path: ignored, because credentials.source is 'env'");
  }
  const backend = input.state_backend as Readonly<Record<string, unknown>> | null | undefined;
  if (manifest.state_backend.type === 'in_process' && backend?.url != null) {
    warnings.push("state_backend.url: ignored, because state_backend.type is 'in_process'");
  }
  if (input.audit != null && (input.audit as Readonly<Record<string, unknown>>).response_filters != null) {
    warnings.push(
      'audit.response_filters: accepted for compatibility; prefer the top-level response_filters',
    );
  }
  if (manifest.hitl && manifest.hitl.approval_required.length === 0 && manifest.hitl.shadow.length === 0) {
    warnings.push('hitl: neither approval_required nor shadow lists a tool, so the block has no effect');
  }
  return warnings;
}
