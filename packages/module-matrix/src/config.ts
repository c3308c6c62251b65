import { z } from '@scoped-mcp/core';

/** A room id (`!opaque:server`) or alias (`#name:server`), as the spec writes them. */
export const ROOM_PATTERN = /^[!#][^\s:/]+:[A-Za-z0-9.:[\]-]+$/;

export const matrixConfig = z.strictObject({
  allowed_rooms: z
    .array(
      z.string().max(255).regex(ROOM_PATTERN, {
        error: "must be a room id or alias such as '!abc:example.org' or '#ops:example.org'",
      }),
    )
    .min(1)
    .describe('Rooms the agent may send to: ids and aliases (aliases are resolved once, at start).'),
  timeout_ms: z
    .number()
    .int()
    .min(1)
    .max(120_000)
    .default(10_000)
    .describe('Budget of one request to the homeserver in ms, a retry after a 429 included (default 10 s).'),
});

export type MatrixConfig = z.output<typeof matrixConfig>;
