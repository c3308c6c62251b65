/**
 * JSON text with object keys sorted at every level and no whitespace: the same definition always gives the
 * same text, whatever key order the upstream happens to serialise in. `undefined` members are left out,
 * as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || typeof member === 'function') continue;
    entries.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${entries.join(',')}}`;
}
