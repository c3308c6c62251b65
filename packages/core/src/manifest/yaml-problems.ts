/** A YAML parse problem as the parser reports it: its code and where it starts and ends in the text. */
export interface YamlProblem {
  readonly code: string;
  /** Offset into the parsed text, when the parser knows it. */
  readonly offset?: number;
  /** Where the parser's range ends (a key that runs over several lines ends on the line at fault). */
  readonly end?: number;
}

/** A problem for people: the offset of the line at fault and what to change. Never quotes the text. */
export interface DescribedYamlProblem {
  readonly offset?: number;
  readonly text: string;
}

/** What each common mistake means, in words; the parser's code follows in parentheses for searching. */
const MEANING: Readonly<Record<string, string>> = {
  TAB_AS_INDENT: 'a tab indents this line; YAML indents with spaces only',
  BAD_INDENT:
    'this line is not lined up with the lines above it at the same level: indent it by the same number of spaces',
  DUPLICATE_KEY: 'this key appears twice at the same level: each key may appear once',
  MISSING_CHAR: 'a { [ or quote opened here is not closed',
  MULTIPLE_DOCS: "a manifest is one YAML document: remove the '---' line that starts another",
  UNRESOLVED_ALIAS: 'an alias (*name) refers to no anchor (&name) defined before it',
  ALIAS_LIMIT: 'aliases (*name) expand to too much data',
  BAD_MERGE: 'a merge key (<<) must name a mapping or a list of mappings',
  TAG_RESOLVE_FAILED: 'YAML tags (!!type) are not allowed',
};

const KEY_RUNS_ON = new Set(['MULTILINE_IMPLICIT_KEY', 'BLOCK_AS_IMPLICIT_KEY']);

/**
 * The line at fault and what to change. The parser reports a key that runs over several lines (a missing
 * `:`, or a key indented deeper than its siblings so that it continues the value above) where the run
 * starts; the mistake is on its first line when that line holds no `key:`, else on its last line.
 */
export function describeYamlProblem(source: string, problem: YamlProblem): DescribedYamlProblem {
  const code = ` (${problem.code})`;
  if (KEY_RUNS_ON.has(problem.code) && problem.offset !== undefined && problem.end !== undefined) {
    const first = lineAt(source, problem.offset);
    const ends = lineAt(source, Math.max(problem.offset, problem.end - 1));
    const next = source.indexOf('\n', problem.offset);
    // The parser may mark only the start; the key that runs on is then the line after it.
    const last = ends.start > first.start || next === -1 ? ends : lineAt(source, next + 1);
    if (/:(\s|$)/.test(first.text) && last.start > first.start) {
      return {
        offset: last.start + (last.text.length - last.text.trimStart().length),
        text: `this line is indented deeper than the keys above it, so YAML reads it as part of the value on the line before: indent it like its siblings${code}`,
      };
    }
    return {
      offset: problem.offset,
      text: `this line has no ':' after its key, so YAML reads the lines below it as part of the key: write 'key:'${code}`,
    };
  }
  return { offset: problem.offset, text: `${MEANING[problem.code] ?? 'YAML syntax error'}${code}` };
}

function lineAt(source: string, offset: number): { start: number; text: string } {
  const start = source.lastIndexOf('\n', offset - 1) + 1;
  const end = source.indexOf('\n', offset);
  return { start, text: source.slice(start, end === -1 ? undefined : end) };
}
