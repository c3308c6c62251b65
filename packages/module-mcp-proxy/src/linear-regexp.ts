import type { Options } from 'ajv';
import { RE2JS } from 're2js';

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

/** What ajv needs of a compiled pattern; `toString` is its cache key, so the two engines never share one. */
interface CompiledPattern {
  test(text: string): boolean;
  toString(): string;
}

/**
 * JavaScript's `\s`: WhiteSpace and LineTerminator (ECMA-262), which RE2's `\s` (`[\t\n\f\r ]`) is not;
 * `\t-\r` covers `\t \n \v \f \r`.
 */
const JS_SPACE =
  '\\t-\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
/** JavaScript's `.` without the `s` flag: anything but a line terminator (RE2's stops at `\n` only). */
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
const SURROGATE_ESCAPE = /^u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|\{0*[dD][89a-fA-F][0-9a-fA-F]{2}\})/;

/**
 * ajv's `code.regExp` engine for schema `pattern`, `patternProperties` and `propertyNames`. A pattern is
 * ECMAScript syntax (JSON Schema says so), which JavaScript's own engine matches by backtracking: some
 * plausible patterns take exponential time on a near-miss (`^(\w+\s?)*$` and 41 characters: hours). So
 * each pattern is matched by RE2 (re2js: pure JavaScript, time linear in the text) with JavaScript's
 * meaning kept (`\s`, `.`, `[^]`, named groups, `\u` escapes). A pattern RE2 cannot express exactly —
 * lookahead, lookbehind, backreferences, long property names such as `\p{Letter}`, counted repeats over
 * 1000 — keeps JavaScript's engine and is reported through `onBacktracking`, so the caller can bound its
 * cost another way. A pattern that is not valid JavaScript (with the `u` flag ajv uses) throws, as before.
 */
export function linearRegExpEngine(onBacktracking: (pattern: string) => void): RegExpEngine {
  const engine = (pattern: string, flags: string): CompiledPattern => {
    const native = new RegExp(pattern, flags);
    const re2 = toRe2(pattern);
    if (re2 !== undefined) {
      return { test: (text) => re2.test(text), toString: () => `re2:${flags}:${pattern}` };
    }
    onBacktracking(pattern);
    return { test: (text) => native.test(text), toString: () => `js:${flags}:${pattern}` };
  };
  return Object.assign(engine, { code: 'linearRegExp' });
}

/** The pattern compiled by RE2 with JavaScript's meaning, or undefined when RE2 cannot give it that. */
function toRe2(pattern: string): RE2JS | undefined {
  const source = jsMeaning(pattern);
  if (source === undefined) return undefined;
  try {
    return RE2JS.compile(RE2JS.translateRegExp(source));
  } catch {
    return undefined;
  }
}

/**
 * Rewrites what RE2 reads differently from JavaScript into RE2 terms that mean the same, leaving the rest to
 * re2js's own translation. Undefined when a construct has no exact RE2 form: a backreference (`\k<name>`
 * would become a literal `k`), `\S` inside a class, a `\u` escape of a lone surrogate (RE2 matches code
 * points, JavaScript with the `u` flag pairs such escapes), `[:` inside a class (RE2 reads a POSIX class).
 */
function jsMeaning(pattern: string): string | undefined {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'k' || (next === 'S' && inClass)) return undefined;
      if (next === 'u' && SURROGATE_ESCAPE.test(pattern.slice(i + 1, i + 12))) return undefined;
      if (next === 's') out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
      else if (next === 'S') out += `[^${JS_SPACE}]`;
      else out += ch + next;
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      else if (ch === '[' && pattern[i + 1] === ':') return undefined;
      out += ch;
    } else if (ch === '[') {
      const negated = pattern[i + 1] === '^';
      const body = i + (negated ? 2 : 1);
      // JavaScript's `[]` matches nothing and `[^]` anything; RE2 would read `]` as the first member.
      if (pattern[body] === ']') {
        out += negated ? '[\\x{0}-\\x{10ffff}]' : '[^\\x{0}-\\x{10ffff}]';
        i = body;
        continue;
      }
      inClass = true;
      out += negated ? '[^' : '[';
      if (negated) i++;
    } else {
      out += ch === '.' ? JS_DOT : ch;
    }
  }
  return out;
}
