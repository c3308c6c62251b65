import pino, { type Logger } from 'pino';

/** A pino logger whose records land in an array, for assertions on audit and ops lines. */
export function captureLogger(name: string, records: Record<string, unknown>[]): Logger {
  const stream = {
    write(line: string) {
      records.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return pino(
    {
      base: { logger: name },
      messageKey: 'event',
      level: 'debug',
      formatters: { level: (label: string) => ({ level: label }) },
    },
    stream,
  );
}
