/**
 * A tokenizer that follows SQLite's own rules for whitespace, comments, strings and quoted names
 * (tokenize.c). It is not a parser and decides nothing about what a statement does: the guard uses it
 * only where the engine cannot answer in time — a PRAGMA acts while it is being *compiled*, so it has to
 * be recognised before the text ever reaches `prepare()`.
 */
export type SqlTokenKind = 'word' | 'quoted' | 'string' | 'punct';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** Words as written; quoted names and strings without their quotes, doubled quotes undone. */
  readonly text: string;
  /** Offset of the token's first character in the SQL text. */
  readonly start: number;
}

// sqlite3Isspace: HT, LF, VT, FF, CR and space. Nothing else separates tokens.
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

// SQLite treats every byte >= 0x80 as part of an identifier; in UTF-16 that is every code unit >= 0x80.
function isWordChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code === 0x24 ||
    code >= 0x80
  );
}

/** Reads a delimited token starting after its opening quote; `close` doubled is an escaped quote. */
function readQuoted(
  sql: string,
  start: number,
  close: string,
  doubling: boolean,
): { text: string; end: number } {
  let text = '';
  let i = start;
  while (i < sql.length) {
    const at = sql.indexOf(close, i);
    if (at === -1) break;
    text += sql.slice(i, at);
    if (doubling && sql[at + 1] === close) {
      text += close;
      i = at + 2;
      continue;
    }
    return { text, end: at + 1 };
  }
  // Unterminated: SQLite reports a syntax error; the rest of the text is this token either way.
  return { text: text + sql.slice(i), end: sql.length };
}

export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const code = sql.charCodeAt(i);
    const ch = sql[i] as string;
    if (isSpace(code)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i + 2);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'") {
      const { text, end } = readQuoted(sql, i + 1, "'", true);
      tokens.push({ kind: 'string', text, start: i });
      i = end;
    } else if (ch === '"' || ch === '`') {
      const { text, end } = readQuoted(sql, i + 1, ch, true);
      tokens.push({ kind: 'quoted', text, start: i });
      i = end;
    } else if (ch === '[') {
      const { text, end } = readQuoted(sql, i + 1, ']', false);
      tokens.push({ kind: 'quoted', text, start: i });
      i = end;
    } else if (isWordChar(code)) {
      let end = i + 1;
      while (end < sql.length && isWordChar(sql.charCodeAt(end))) end++;
      tokens.push({ kind: 'word', text: sql.slice(i, end), start: i });
      i = end;
    } else {
      tokens.push({ kind: 'punct', text: ch, start: i });
      i++;
    }
  }
  return tokens;
}

/** A token that can name something: a bare word, a quoted name, or a string (SQLite accepts 'x' as a name). */
export function nameOf(token: SqlToken | undefined): string | undefined {
  return token !== undefined && token.kind !== 'punct' ? token.text.toLowerCase() : undefined;
}

export function isPunct(token: SqlToken | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

export function isKeyword(token: SqlToken | undefined, keyword: string): boolean {
  return token?.kind === 'word' && token.text.toUpperCase() === keyword;
}
