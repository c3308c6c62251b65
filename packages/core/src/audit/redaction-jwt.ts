import type { TextRange } from './redaction-ranges.js';

/**
 * Finds what the reference regex `\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b`
 * finds, in linear time. Run as a regex, it is quadratic: `-` is a non-word character, so every `eyJ`
 * after a `-` is a new start, and each start rescans the rest of the segment (`eyJ-eyJ-…` of 80 KB
 * takes seconds). Here the first segment is consumed once, from its first start: a later start in the
 * same segment shares its end, so it fails whenever the first one does.
 */
const HEAD = /\beyJ[A-Za-z0-9_-]*/g;
const TAIL = /[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/y;
const DOT = 0x2e;
/** `eyJ` and at least 10 more characters. */
const MIN_HEAD_LENGTH = 13;

export function jwtRanges(text: string): TextRange[] {
  const found: TextRange[] = [];
  if (!text.includes('eyJ')) return found;
  HEAD.lastIndex = 0;
  for (let head = HEAD.exec(text); head !== null; head = HEAD.exec(text)) {
    const headEnd = head.index + head[0].length;
    if (head[0].length < MIN_HEAD_LENGTH || text.charCodeAt(headEnd) !== DOT) continue;
    TAIL.lastIndex = headEnd + 1;
    const tail = TAIL.exec(text);
    if (tail === null) continue;
    const end = headEnd + 1 + tail[0].length;
    found.push({ start: head.index, end });
    HEAD.lastIndex = end;
  }
  HEAD.lastIndex = 0;
  TAIL.lastIndex = 0;
  return found;
}
