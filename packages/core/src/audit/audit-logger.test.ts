import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from './audit-logger.js';
import { CHAIN_GENESIS, createLinker, verifyChain } from './hash-chain.js';

const bindings = { logger: 'audit', agent_id: 'agent-a', agent_type: 'research', session_id: 's-1' };
const stamp = () => ',"timestamp":"2026-12-02T10:00:00.123Z"';

function handWritten(): { lines: string[]; log: ReturnType<typeof createAuditLogger> } {
  const lines: string[] = [];
  const log = createAuditLogger({
    bindings,
    timestamp: stamp,
    link: createLinker(CHAIN_GENESIS),
    write: (line) => lines.push(line),
  });
  return { lines, log };
}

/** The audit logger as it was built on pino: the format the hand-written lines must keep, byte for byte. */
function pinoWritten(): { lines: string[]; log: pino.Logger } {
  const lines: string[] = [];
  const { logger, ...rest } = bindings;
  const link = createLinker(CHAIN_GENESIS);
  // pino hands the hook its serialised line: drop the newline and the closing brace, then chain it.
  const streamWrite = (line: string) => link(line.trimEnd().slice(0, -1));
  const log = pino(
    {
      messageKey: 'event',
      timestamp: stamp,
      formatters: { level: (label: string) => ({ level: label }) },
      base: { logger },
      hooks: { streamWrite },
    },
    { write: (line: string) => lines.push(line) },
  ).child(rest);
  return { lines, log };
}

const events: [level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, event: string][] = [
  ['info', { status: 'ok', elapsed_ms: 0.12, tool: 'fs_read', args: { path: 'a/b.txt' } }, 'tool_call'],
  ['warn', { status: 'blocked', error: 'path "../x" escapes\n\t the scope' }, 'scope_violation'],
  ['error', { error_code: 'tool_failed', ref: 'ab12cd34', skipped: undefined }, 'tool_error'],
  ['info', {}, 'no_fields'],
  [
    'info',
    { text: 'é✓😀 \u0000 \u2028 "quoted" \\ back', list: [1, null, 'x', { deep: [true] }] },
    'unicode',
  ],
  ['warn', { when: new Date(Date.UTC(2026, 0, 2)), nested: { a: { b: { c: 'd' } } } }, 'event "with" quotes'],
];

describe('createAuditLogger', () => {
  it('writes exactly the line pino wrote before it, chain included', () => {
    const mine = handWritten();
    const theirs = pinoWritten();
    for (const [level, fields, event] of events) {
      mine.log[level](fields, event);
      theirs.log[level](fields, event);
    }
    expect(mine.lines).toEqual(theirs.lines);
    expect(verifyChain(mine.lines.join(''))).toEqual({ ok: true, lines: events.length });
  });

  it('keeps the fixed fields first and lets nothing in the fields reorder them', () => {
    const { lines, log } = handWritten();
    log.info({ status: 'ok' }, 'tool_call');
    expect(lines[0]).toBe(
      `{"level":"info","timestamp":"2026-12-02T10:00:00.123Z","logger":"audit","agent_id":"agent-a","agent_type":"research","session_id":"s-1","status":"ok","event":"tool_call","prev":"${CHAIN_GENESIS}"}\n`,
    );
  });

  it('still writes a parseable line for fields JSON cannot take as they are', () => {
    const { lines, log } = handWritten();
    const cyclic: Record<string, unknown> = { name: 'loop', shared: { x: 1 } };
    cyclic.self = cyclic;
    cyclic.again = cyclic.shared;
    log.warn({ cyclic, big: 12345678901234567890n }, 'odd_fields');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record.event).toBe('odd_fields');
    expect(record.big).toBe('12345678901234567890');
    // A repeated (not cyclic) reference is written in full; only the cycle is cut.
    expect(record.cyclic).toEqual({ name: 'loop', shared: { x: 1 }, self: '[Circular]', again: { x: 1 } });
    expect(verifyChain(lines.join(''))).toEqual({ ok: true, lines: 1 });
  });

  it('a field cannot forge the chain: a "prev" among the fields is overridden by the real one', () => {
    const { lines, log } = handWritten();
    log.info({ status: 'ok' }, 'first');
    log.info({ prev: CHAIN_GENESIS }, 'forged');
    expect(verifyChain(lines.join(''))).toEqual({ ok: true, lines: 2 });
  });
});
