import { ToolInputError } from '@scoped-mcp/core';

// ignoreBOM keeps a leading BOM in the text, so reading and writing back gives the same bytes.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The file's text, or a clear refusal for content that is not UTF-8 text (a NUL byte or invalid UTF-8). */
export function decodeText(bytes: Uint8Array, shownPath: string): string {
  const binary = () => new ToolInputError(`'${shownPath}' is a binary file; only UTF-8 text can be read`);
  if (bytes.includes(0)) throw binary();
  try {
    return decoder.decode(bytes);
  } catch {
    throw binary();
  }
}
