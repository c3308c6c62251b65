/**
 * Sorts names by Unicode code point, as the reference's Python `sorted()` does; JavaScript's default
 * sort compares UTF-16 code units, which orders characters above U+FFFF before U+E000–U+FFFF.
 */
export function sortByCodePoint(names: readonly string[]): string[] {
  return names
    .map((name) => ({ name, key: Buffer.from(name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ name }) => name);
}
