import { isScopedMcpError } from './errors.js';

// Any thrown value as text. Anything can be thrown (a string, null, an object whose getters throw), so
// none of these ever throws.

const DEFAULT_MAX = 500;

/**
 * One bounded line for logs and for messages that quote another error: `Name: first line of the message`.
 * An error without a message gives its name; a thrown non-error gives its text.
 */
export function errorLine(error: unknown, max: number = DEFAULT_MAX): string {
  const { name, message } = parts(error);
  const first = message.split(/\r?\n/, 1)[0]?.trimEnd() ?? '';
  const line = name && first ? `${name}: ${first}` : name || first || 'unknown error';
  return line.length > max ? `${line.slice(0, Math.max(0, max - 1))}…` : line;
}

/** The error's class name only (`TypeError`), for log lines that must not carry a message; `typeof` otherwise. */
export function errorName(error: unknown): string {
  const { name } = parts(error);
  return name || (error === null ? 'null' : typeof error);
}

/**
 * What a person reads about an error: a ScopedMcpError's own message, which is written for its reader and
 * may span lines (a StartupError lists every problem); anything else as its errorLine.
 */
export function errorMessage(error: unknown): string {
  return isScopedMcpError(error) ? error.message : errorLine(error);
}

function parts(error: unknown): { name: string; message: string } {
  try {
    if (typeof error === 'object' && error !== null) {
      const { name, message } = error as { name?: unknown; message?: unknown };
      return {
        name: typeof name === 'string' ? name : '',
        message: typeof message === 'string' ? message : message === undefined ? '' : String(message),
      };
    }
    return { name: '', message: String(error) };
  } catch {
    // A getter that throws, or an object without toString (Object.create(null)).
    return { name: '', message: '' };
  }
}
