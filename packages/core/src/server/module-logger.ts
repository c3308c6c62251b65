import type { Logger } from 'pino';
import type { Sanitizer } from '../redact/sanitize.js';
import type { ModuleLogger } from '../module/types.js';

/**
 * The logger a module gets: every field sanitised and every message redacted before it is written, so a
 * module logging its own credential (or a backend echoing one) cannot put it in the ops log.
 */
export function sanitizingLogger(target: Logger, sanitizer: Sanitizer): ModuleLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (fields: object, message?: string): void => {
      if (!target.isLevelEnabled(level)) return;
      const clean = sanitizer.sanitize(fields);
      const safeFields = typeof clean === 'object' && clean !== null ? clean : { value: clean };
      target[level](safeFields, message === undefined ? undefined : sanitizer.redactText(message));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
