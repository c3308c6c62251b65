import fs, { appendFileSync, readFileSync, statSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../__fixtures__/module-packages.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { AuditUnavailableError } from '../errors/errors.js';
import { createAuditLogger } from './audit-log.js';
import { verifyChain } from './chain-verifier.js';
import { CHAIN_GENESIS, createLinker } from './hash-chain.js';
import { escapeLineBreakers } from './log-line.js';
import { createLoggers, openSyncFileDestination } from './loggers.js';

const agent: AgentIdentity = {
  id: 'agent-a',
  type: 'research',
  sessionId: '6f1c1b1e-7d0a-4c51-9a55-3a3b1c2d4e5f',
};

let dir: string;

beforeEach(async () => {
  dir = await tempDir('loggers');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The event lines, without the chain's own records (segment starts, seals). */
async function eventLines(path: string): Promise<Record<string, unknown>[]> {
  return (await lines(path)).filter((r) => r.event !== 'audit_segment_start' && r.event !== 'audit_sealed');
}

describe('createLoggers', () => {
  it('writes chained audit lines with the house fields to the audit file', async () => {
    const auditLog = join(dir, 'logs', 'audit.jsonl');
    const loggers = createLoggers({ auditLog, opsLog: join(dir, 'logs', 'ops.jsonl') }, agent);
    loggers.audit.info({ status: 'ok', tool: 'fs_read' }, 'tool_call');
    loggers.audit.warn({ status: 'blocked', tool: 'fs_read' }, 'scope_violation');
    loggers.audit.error({ status: 'error', tool: 'fs_write' }, 'tool_error');
    loggers.flush();
    const all = await lines(auditLog);
    expect(all[0]).toMatchObject({ event: 'audit_segment_start', chain: 'sha256', reason: 'new_file' });
    const records = await eventLines(auditLog);
    expect(records).toHaveLength(3);
    expect(records.map((r) => [r.event, r.level])).toEqual([
      ['tool_call', 'info'],
      ['scope_violation', 'warning'],
      ['tool_error', 'error'],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({
        logger: 'audit',
        agent_id: 'agent-a',
        agent_type: 'research',
        session_id: agent.sessionId,
      });
      expect(record.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(record.prev).toMatch(/^[0-9a-f]{32}$/);
      expect(record).not.toHaveProperty('msg');
      expect(record).not.toHaveProperty('pid');
      expect(record).not.toHaveProperty('hostname');
    }
    expect(all[0]?.prev).toBe(CHAIN_GENESIS);
    expect(verifyChain(await readFile(auditLog, 'utf8'))).toMatchObject({ ok: true, lines: 4 });
  });

  it('stamps each line with the exact millisecond, across second boundaries and zero padding', async () => {
    const auditLog = join(dir, 'audit.jsonl');
    const loggers = createLoggers({ auditLog, opsLog: join(dir, 'ops.jsonl') }, agent);
    vi.useFakeTimers({ toFake: ['Date'] });
    const instants = [
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1, 0, 0, 0, 0),
      Date.UTC(2027, 0, 1, 0, 0, 0, 7),
      Date.UTC(2027, 0, 1, 0, 0, 0, 42),
      Date.UTC(2027, 0, 1, 0, 0, 1, 500),
      Date.UTC(2027, 0, 1, 0, 0, 0, 300),
    ];
    try {
      for (const instant of instants) {
        vi.setSystemTime(instant);
        loggers.audit.info({}, 'tick');
      }
    } finally {
      vi.useRealTimers();
    }
    loggers.flush();
    const stamps = (await eventLines(auditLog)).map((r) => r.timestamp);
    expect(stamps).toEqual(instants.map((instant) => new Date(instant).toISOString()));
  });

  it('keeps the ops log separate, unchained, and at its level', async () => {
    const auditLog = join(dir, 'audit.jsonl');
    const opsLog = join(dir, 'ops.jsonl');
    const loggers = createLoggers({ auditLog, opsLog, opsLevel: 'warn' }, agent);
    loggers.ops.info({}, 'too_quiet');
    loggers.ops.warn({ module: 'x' }, 'module_startup_failed');
    loggers.flush();
    const ops = await lines(opsLog);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({
      event: 'module_startup_failed',
      level: 'warn',
      logger: 'ops',
      agent_id: 'agent-a',
    });
    expect(ops[0]).not.toHaveProperty('prev');
    expect(await readFile(auditLog, 'utf8')).toBe('');
  });

  it('escapes U+2028, U+2029 and U+0085 in ops lines too', async () => {
    const opsLog = join(dir, 'ops.jsonl');
    const loggers = createLoggers({ auditLog: join(dir, 'audit.jsonl'), opsLog }, agent);
    loggers.ops.warn({ detail: 'x\u2028y\u0085z\u2029' }, 'startup_warning');
    const text = await readFile(opsLog, 'utf8');
    expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
    expect((await lines(opsLog))[0]?.detail).toBe('x\u2028y\u0085z\u2029');
  });

  it('continues the chain of an existing audit file across restarts', async () => {
    const auditLog = join(dir, 'audit.jsonl');
    const first = createLoggers({ auditLog, opsLog: join(dir, 'ops.jsonl') }, agent);
    first.audit.info({ n: 1 }, 'tool_call');
    first.audit.info({ n: 2 }, 'tool_call');
    first.flush();
    first.close?.();
    const second = createLoggers(
      { auditLog, opsLog: join(dir, 'ops.jsonl') },
      { ...agent, sessionId: 'other' },
    );
    second.audit.info({ n: 3 }, 'tool_call');
    second.flush();
    const text = await readFile(auditLog, 'utf8');
    expect(verifyChain(text)).toMatchObject({ ok: true, lines: 6, segments: 2 });
    expect((await eventLines(auditLog)).map((r) => r.n)).toEqual([1, 2, 3]);
    expect((await lines(auditLog)).map((r) => r.reason ?? r.lines ?? r.n)).toEqual([
      'new_file',
      1,
      2,
      3,
      'restart',
      3,
    ]);
  });

  it('creates the audit file owner-only', async () => {
    const auditLog = join(dir, 'new', 'audit.jsonl');
    const loggers = createLoggers({ auditLog, opsLog: join(dir, 'new', 'ops.jsonl') }, agent);
    loggers.audit.info({}, 'tool_call');
    loggers.flush();
    expect((await stat(auditLog)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'new'))).mode & 0o777).toBe(0o700);
  });

  it('writes the lines of a call before returning (synchronous, nothing lost on a crash)', async () => {
    const auditLog = join(dir, 'audit.jsonl');
    const loggers = createLoggers({ auditLog, opsLog: join(dir, 'ops.jsonl') }, agent);
    loggers.audit.info({ tool: 'x' }, 'tool_call');
    expect(fs.readFileSync(auditLog, 'utf8')).toContain('"event":"tool_call"');
  });

  it('throws a failed audit write to the code that logged, instead of dropping the line', () => {
    const loggers = createLoggers({ auditLog: '/dev/full', opsLog: join(dir, 'ops.jsonl') }, agent);
    let thrown: unknown;
    try {
      loggers.audit.info({ tool: 'x' }, 'tool_call');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuditUnavailableError);
    expect(((thrown as Error).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
  });

  it('refuses one file for both logs, since unchained ops lines would break verification', () => {
    const both = join(dir, 'all.jsonl');
    expect(() => createLoggers({ auditLog: both, opsLog: both }, agent)).toThrow(/different files/);
  });

  it('never writes to stdout; without files both streams go to stderr', () => {
    const stdoutWrite = vi.spyOn(process.stdout, 'write');
    const writes: { fd: number; text: string }[] = [];
    const original = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
      if (fd === 1 || fd === 2) {
        writes.push({ fd, text: String(data) });
        return Buffer.byteLength(String(data));
      }
      return (original as (...args: unknown[]) => number)(fd, data, ...rest);
    }) as typeof fs.writeSync);
    const loggers = createLoggers({}, agent);
    loggers.audit.info({ tool: 'x' }, 'tool_call');
    loggers.ops.error({ error: 'boom' }, 'module_startup_failed');
    loggers.flush();
    expect(stdoutWrite).not.toHaveBeenCalled();
    expect(writes.filter((w) => w.fd === 1)).toEqual([]);
    const stderr = writes
      .filter((w) => w.fd === 2)
      .map((w) => w.text)
      .join('');
    expect(stderr).toContain('"event":"tool_call"');
    expect(stderr).toContain('"logger":"audit"');
    expect(stderr).toContain('"event":"module_startup_failed"');
  });

  it('omits agent bindings when no identity is known yet', async () => {
    const opsLog = join(dir, 'ops.jsonl');
    const loggers = createLoggers({ auditLog: join(dir, 'a.jsonl'), opsLog });
    loggers.ops.info({}, 'startup');
    loggers.flush();
    const [record] = await lines(opsLog);
    expect(record).toMatchObject({ event: 'startup', logger: 'ops' });
    expect(record).not.toHaveProperty('agent_id');
  });
});

const bindings = { logger: 'audit', agent_id: 'agent-a', agent_type: 'research', session_id: 's-1' };
const stamp = () => ',"timestamp":"2026-12-02T10:00:00.123Z"';

function auditWritten(): { lines: string[]; log: ReturnType<typeof createAuditLogger> } {
  const lines: string[] = [];
  const log = createAuditLogger({
    bindings,
    timestamp: stamp,
    link: createLinker(CHAIN_GENESIS).link,
    write: (line) => lines.push(line),
  });
  return { lines, log };
}

/** pino set up by hand (base logger, then a child with the agent's bindings): the format to keep, byte for byte. */
function pinoWritten(): { lines: string[]; log: pino.Logger } {
  const lines: string[] = [];
  const { logger, ...rest } = bindings;
  const { link } = createLinker(CHAIN_GENESIS);
  // pino hands the hook its serialised line: drop the newline and the closing brace, escape the characters
  // other tools end lines at, then chain it.
  const streamWrite = (line: string) => link(escapeLineBreakers(line.trimEnd().slice(0, -1)));
  const log = pino(
    {
      messageKey: 'event',
      timestamp: stamp,
      // The reference's level name for warnings.
      formatters: { level: (label: string) => ({ level: label === 'warn' ? 'warning' : label }) },
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
    const mine = auditWritten();
    const theirs = pinoWritten();
    for (const [level, fields, event] of events) {
      mine.log[level](fields, event);
      theirs.log[level](fields, event);
    }
    expect(mine.lines).toEqual(theirs.lines);
    expect(verifyChain(mine.lines.join(''))).toMatchObject({ ok: true, lines: events.length });
  });

  it('keeps the fixed fields first and lets nothing in the fields reorder them', () => {
    const { lines, log } = auditWritten();
    log.info({ status: 'ok' }, 'tool_call');
    expect(lines[0]).toBe(
      `{"level":"info","timestamp":"2026-12-02T10:00:00.123Z","logger":"audit","agent_id":"agent-a","agent_type":"research","session_id":"s-1","status":"ok","event":"tool_call","prev":"${CHAIN_GENESIS}"}\n`,
    );
  });

  it('still writes a parseable line for fields JSON cannot take as they are', () => {
    const { lines, log } = auditWritten();
    const cyclic: Record<string, unknown> = { name: 'loop', shared: { x: 1 } };
    cyclic.self = cyclic;
    cyclic.again = cyclic.shared;
    log.warn({ cyclic, big: 12345678901234567890n }, 'odd_fields');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record.event).toBe('odd_fields');
    // pino writes a bigint as a JSON number with every digit (JSON.parse itself rounds it).
    expect(lines[0]).toContain('"big":12345678901234567890,');
    // A repeated (not cyclic) reference is written in full; only the cycle is cut.
    expect(record.cyclic).toEqual({ name: 'loop', shared: { x: 1 }, self: '[Circular]', again: { x: 1 } });
    expect(verifyChain(lines.join(''))).toMatchObject({ ok: true, lines: 1 });
  });

  it('throws what the destination throws to the code that logged', () => {
    const log = createAuditLogger({
      bindings,
      timestamp: stamp,
      link: createLinker(CHAIN_GENESIS).link,
      write: () => {
        throw new Error('disk full');
      },
    });
    expect(() => log.info({ status: 'ok' }, 'tool_call')).toThrow('disk full');
  });

  it('escapes U+2028, U+2029 and U+0085, which other tools take for line ends: one line, the same value', () => {
    const { lines, log } = auditWritten();
    const text = 'a\u2028b\u2029c\u0085d';
    log.info({ text, 'key\u2028': 1 }, 'tool_call');
    const [line] = lines;
    expect(line).not.toMatch(/[\u0085\u2028\u2029]/);
    expect(line).toContain('a\\u2028b\\u2029c\\u0085d');
    expect(line!.split(/\r\n|[\n\r\u0085\u2028\u2029]/).filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(line!)).toMatchObject({ text, 'key\u2028': 1 });
    expect(verifyChain(lines.join(''))).toMatchObject({ ok: true, lines: 1 });
  });

  it('a field cannot forge the chain: a "prev" among the fields is overridden by the real one', () => {
    const { lines, log } = auditWritten();
    log.info({ status: 'ok' }, 'first');
    log.info({ prev: CHAIN_GENESIS }, 'forged');
    expect(verifyChain(lines.join(''))).toMatchObject({ ok: true, lines: 2 });
  });
});

describe('openSyncFileDestination', () => {
  it('appends after existing content and never truncates', () => {
    const path = join(dir, 'audit.jsonl');
    appendFileSync(path, '{"old":1}\n');
    const destination = openSyncFileDestination(path, 0o600);
    destination.write('{"new":2}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"old":1}\n{"new":2}\n');
  });

  it('has each line on disk when write returns, multi-byte text counted in bytes', () => {
    const path = join(dir, 'audit.jsonl');
    const destination = openSyncFileDestination(path, 0o600);
    const line = `${JSON.stringify({ text: 'é✓😀'.repeat(5000) })}\n`;
    destination.write(line);
    expect(readFileSync(path, 'utf8')).toBe(line);
    destination.write('{"second":true}\n');
    expect(readFileSync(path, 'utf8')).toBe(`${line}{"second":true}\n`);
  });

  it('creates the file with the mode asked for', () => {
    const path = join(dir, 'audit.jsonl');
    openSyncFileDestination(path, 0o600).write('x\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('throws a write error to the caller instead of dropping the line', () => {
    const destination = openSyncFileDestination('/dev/full', 0o600);
    expect(() => destination.write('lost?\n')).toThrow(/ENOSPC/);
  });

  it('flush calls back at once: nothing is ever buffered', () => {
    const destination = openSyncFileDestination(join(dir, 'a.jsonl'), 0o600);
    let called = false;
    destination.flush(() => {
      called = true;
    });
    expect(called).toBe(true);
  });
});
