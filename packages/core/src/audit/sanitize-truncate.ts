/**
 * Cuts `text` to `maxLength` UTF-16 code units and appends `...<truncated N bytes>`, N being the UTF-8
 * size of the value before any cut (what the reference reports). A cut never splits a surrogate pair:
 * a lone surrogate would become U+FFFD in the log and hide that the text was cut mid-character.
 */
export function truncateText(text: string, maxLength: number, originalBytes: number): string {
  let cut = Math.min(maxLength, text.length);
  if (cut > 0 && cut < text.length && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
  return `${text.slice(0, cut)}...<truncated ${originalBytes} bytes>`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
