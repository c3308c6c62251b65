import { patternRanges, redactPatterns } from './redaction-patterns.js';
import { type LabelledRange, mergeLabelledRanges, replaceRanges } from './redaction-ranges.js';
import { SECRET_PLACEHOLDER, type SecretRedactor } from './secret-redactor.js';
import { truncateText } from './sanitize-truncate.js';

/**
 * How far past the kept prefix a long string is still scanned. A token or secret that starts inside the
 * kept part but ends after the cut must still be recognised, so its visible start is redacted too.
 */
const SCAN_MARGIN = 8192;

/** No rule matches fewer characters (`hvs.x`), and no secret form is shorter than 6. */
const MIN_REDACTABLE_LENGTH = 5;

export interface TextSanitizer {
  redactText(text: string): string;
  sanitizeString(text: string): string;
}

export function createTextSanitizer(secrets: SecretRedactor, maxStringLength: number): TextSanitizer {
  const scanLength = maxStringLength + Math.max(SCAN_MARGIN, secrets.longestMatch);

  function redactText(text: string): string {
    if (text.length < MIN_REDACTABLE_LENGTH) return text;
    if (!secrets.active || !secrets.contains(text)) return redactPatterns(text);
    // Rare path: a held secret is in the text. Patterns first would break a secret that contains a
    // token-shaped part (its rest would stay visible); secrets first would break a token that contains
    // a secret. Both are matched on the unmodified text and every character either covers is redacted.
    const ranges: LabelledRange[] = secrets
      .ranges(text)
      .map((range) => ({ start: range.start, end: range.end, label: SECRET_PLACEHOLDER }));
    ranges.push(...patternRanges(text));
    return replaceRanges(text, mergeLabelledRanges(ranges));
  }

  function sanitizeString(text: string): string {
    if (text.length <= maxStringLength) {
      const redacted = redactText(text);
      if (redacted.length <= maxStringLength) return redacted;
      return truncateText(redacted, maxStringLength, Buffer.byteLength(text, 'utf8'));
    }
    // Only the kept prefix and a margin after it are scanned: a multi-megabyte argument costs no more
    // than a few kilobytes, and what lies past the margin is never logged anyway.
    const scanned = text.length > scanLength ? text.slice(0, scanLength) : text;
    return truncateText(redactText(scanned), maxStringLength, Buffer.byteLength(text, 'utf8'));
  }

  return { redactText, sanitizeString };
}
