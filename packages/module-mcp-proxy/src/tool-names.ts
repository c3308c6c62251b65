/** MCP clients accept tool names up to this length; the exposed name is `<instance>_<key>`. */
export const MAX_EXPOSED_NAME = 128;

/**
 * The reference's rule: every character outside `[A-Za-z0-9_]` becomes `_`; a leading digit gets a `tool_`
 * prefix. `get-sum` → `get_sum`, `2fa.check` → `tool_2fa_check`.
 */
export function normaliseToolName(name: string): string {
  const replaced = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(replaced) ? `tool_${replaced}` : replaced;
}

/** Allowlist first (empty = all), then denylist, both by the upstream's own spelling. */
export function createToolFilter(
  allowlist: readonly string[],
  denylist: readonly string[],
): (upstreamName: string) => boolean {
  const allow = new Set(allowlist);
  const deny = new Set(denylist);
  return (name) => (allow.size === 0 || allow.has(name)) && !deny.has(name);
}
