// Units from U+D800 up: surrogates, and the U+E000–U+FFFF they wrongly sort below in UTF-16 order.
const HIGH_UNIT = /[\ud800-\uffff]/;

/**
 * Orders names by Unicode code point, as the reference's Python `sorted()` does. JavaScript's `<` compares
 * UTF-16 code units, which puts characters above U+FFFF (surrogate pairs, D800–DFFF) before U+E000–U+FFFF.
 * The two orders differ only where both strings have a unit from U+D800 up at their first difference, so
 * names without one (nearly all) are compared natively; the rest unit by unit.
 */
export function compareCodePoints(a: string, b: string): number {
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates move above U+E000–U+FFFF; both ranges keep their inner order.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
