import { z } from '@scoped-mcp/core';

// The config settings every module on this client takes, written once so their bounds and wording agree.

export interface TimeoutSettingOptions {
  /** Default budget in ms. */
  readonly defaultMs: number;
  /** Smallest budget accepted (default 1 ms). */
  readonly minMs?: number;
  /** Largest budget accepted (default 120 s). */
  readonly maxMs?: number;
  /** What the budget covers, for the manifest schema's description. */
  readonly description: string;
}

/** `timeout_ms`-style setting: an integer number of milliseconds within bounds, with its default. */
export function timeoutSetting(options: TimeoutSettingOptions) {
  return z
    .number()
    .int()
    .min(options.minMs ?? 1)
    .max(options.maxMs ?? 120_000)
    .default(options.defaultMs)
    .describe(options.description);
}

/** A webhook or push service's `timeout_ms`: one send, a retry after a 429 included. */
export function sendTimeoutSetting() {
  return timeoutSetting({
    defaultMs: 10_000,
    description: 'Budget of one send in ms, a retry after a 429 included (default 10 s).',
  });
}
