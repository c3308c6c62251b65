import fs from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../__fixtures__/module-packages.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { CHAIN_GENESIS, verifyChain } from './hash-chain.js';
import { createLoggers } from './loggers.js';

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

describe('createLoggers', () => {
  it('writes chained audit lines with the house fields to the audit file', async () => {
    const auditLog = join(dir, 'logs', 'audit.jsonl');
    const loggers = createLoggers({ auditLog, opsLog: join(dir, 'logs', 'ops.jsonl') }, agent);
    loggers.audit.info({ status: 'ok', tool: 'fs_read' }, 'tool_call');
    loggers.audit.warn({ status: 'blocked', tool: 'fs_read' }, 'scope_violation');
    loggers.audit.error({ status: 'error', tool: 'fs_write' }, 'tool_error');
    loggers.flush();
    const records = await lines(auditLog);
    expect(records).toHaveLength(3);
    expect(records.map((r) => [r.event, r.level])).toEqual([
      ['tool_call', 'info'],
      ['scope_violation', 'warn'],
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
    expect(records[0]?.prev).toBe(CHAIN_GENESIS);
    expect(verifyChain(await readFile(auditLog, 'utf8'))).toEqual({ ok: true, lines: 3 });
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
    const stamps = (await lines(auditLog)).map((r) => r.timestamp);
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

  it('continues the chain of an existing audit file across restarts', async () => {
    const auditLog = join(dir, 'audit.jsonl');
    const first = createLoggers({ auditLog, opsLog: join(dir, 'ops.jsonl') }, agent);
    first.audit.info({ n: 1 }, 'tool_call');
    first.audit.info({ n: 2 }, 'tool_call');
    first.flush();
    const second = createLoggers(
      { auditLog, opsLog: join(dir, 'ops.jsonl') },
      { ...agent, sessionId: 'other' },
    );
    second.audit.info({ n: 3 }, 'tool_call');
    second.flush();
    const text = await readFile(auditLog, 'utf8');
    expect(verifyChain(text)).toEqual({ ok: true, lines: 3 });
    expect((await lines(auditLog)).map((r) => r.n)).toEqual([1, 2, 3]);
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
