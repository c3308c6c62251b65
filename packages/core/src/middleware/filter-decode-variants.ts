// Always-on candidate variants (not configurable, beyond the reference): the same text as a person, a
// terminal or an interpreter would read it. Both return undefined when they change nothing, so plain ASCII
// without escapes costs one regex test.

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at NUL
const NON_ASCII = /[^\u0000-\u007f]/;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * NFKC (full-width `ｒｍ` → `rm`, ligatures, the Kelvin sign, `ſ` → `s`) and without default-ignorable
 * code points (zero-width space/joiners, soft hyphen, variation selectors), which render as nothing.
 */
export function normalizeText(text: string): string | undefined {
  if (!NON_ASCII.test(text)) return undefined;
  const normalized = text.normalize('NFKC').replace(IGNORABLE, '');
  return normalized === text ? undefined : normalized;
}

const ESCAPE_HINT = /\\|&#/;
const ESCAPES =
  /\\u\{([0-9A-Fa-f]{1,6})\}|\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\x([0-9A-Fa-f]{2})|\\([0-3][0-7]{2})|&#[xX]([0-9A-Fa-f]{1,6});?|&#([0-9]{1,7});?/g;

/**
 * Literal escape sequences that languages, shells (`$'\x72\x6d'`) and HTML turn into characters:
 * `\uXXXX`, `\u{X…}`, `\UXXXXXXXX`, `\xXX`, `\NNN` (octal) and `&#NNN;` / `&#xHH;`. Escapes that name
 * no code point stay as they are.
 */
export function unescapeText(text: string): string | undefined {
  if (!ESCAPE_HINT.test(text)) return undefined;
  const unescaped = text.replace(
    ESCAPES,
    (
      whole,
      brace?: string,
      u4?: string,
      u8?: string,
      x2?: string,
      oct?: string,
      hex?: string,
      dec?: string,
    ) => {
      const code =
        brace !== undefined || u4 !== undefined || u8 !== undefined || x2 !== undefined || hex !== undefined
          ? Number.parseInt((brace ?? u4 ?? u8 ?? x2 ?? hex) as string, 16)
          : oct !== undefined
            ? Number.parseInt(oct, 8)
            : Number.parseInt(dec as string, 10);
      if (u4 !== undefined) return String.fromCharCode(code); // keeps `\ud83d\ude00` pairs working
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
  return unescaped === text ? undefined : unescaped;
}
