const UNIT_SECONDS = { second: 1, minute: 60, hour: 3600 } as const;
const SPEC = /^(\d+)\/(second|minute|hour)$/;

/** A parsed `<N>/second|minute|hour`. */
export interface RateWindow {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly windowMs: number;
}

/** The manifest schema has already checked the form; this still refuses anything else, never guessing. */
export function parseRateSpec(spec: string): RateWindow {
  const match = SPEC.exec(spec);
  const limit = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(limit)) {
    throw new Error(`rate limit '${spec}' must be '<N>/second|minute|hour'`);
  }
  const windowSeconds = UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return { limit, windowSeconds, windowMs: windowSeconds * 1000 };
}
