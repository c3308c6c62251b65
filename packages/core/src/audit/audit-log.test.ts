import fs, { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../__fixtures__/module-packages.js';
import { AuditUnavailableError, StartupError } from '../errors/errors.js';
import { type AuditHead, openAuditLog } from './audit-log.js';
import { verifyAuditFile, verifyChain } from './chain-verifier.js';
import { lineHash, lineHasher } from './hash-chain.js';
import { timestamp } from './log-line.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await tempDir('audit-log');
  path = join(dir, 'audit.jsonl');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const KEY = Buffer.from('0123456789abcdef0123456789abcdef-audit-key');

/** One process's session: opens the log, writes `calls` lines, and closes it cleanly (sealed) unless told not to. */
function session(calls: number, options: { key?: Buffer; seal?: boolean; heads?: AuditHead[] } = {}) {
  const log = openAuditLog({ path, bindings: { logger: 'audit' }, timestamp });
  log.start({
    ...(options.key ? { key: options.key } : {}),
    headEveryLines: 5,
    onHead: (head) => options.heads?.push(head),
  });
  for (let i = 0; i < calls; i++) log.logger.info({ tool: 't', n: i }, 'tool_call');
  if (options.seal !== false) log.close();
  return log;
}

const fileLines = () => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const records = () => fileLines().map((l) => JSON.parse(l) as Record<string, unknown>);

describe('segments and seals', () => {
  it('starts each process with a segment record and ends a clean shutdown with a seal counting its lines', async () => {
    session(3);
    session(2);
    expect(records().map((r) => [r.event, r.reason ?? r.lines ?? r.n])).toEqual([
      ['audit_segment_start', 'new_file'],
      ['tool_call', 0],
      ['tool_call', 1],
      ['tool_call', 2],
      ['audit_sealed', 4],
      ['audit_segment_start', 'restart'],
      ['tool_call', 0],
      ['tool_call', 1],
      ['audit_sealed', 3],
    ]);
    expect(await verifyAuditFile(path)).toMatchObject({ ok: true, lines: 9, segments: 2, findings: [] });
  });

  it('hands the head out every N lines and at the seal; the sealed head is the hash of the last line', () => {
    const heads: AuditHead[] = [];
    session(9, { heads });
    const lines = fileLines();
    expect(heads.map((h) => h.lines)).toEqual([5, 10, 11]);
    expect(heads.at(-1)?.hash).toBe(lineHash(lines.at(-1)!));
    expect(heads[0]?.hash).toBe(lineHash(lines[4]!));
  });

  it('writes nothing for a process that logged nothing', () => {
    const log = openAuditLog({ path, bindings: {}, timestamp });
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('records a segment that ended without its seal (a killed process)', async () => {
    session(2);
    // What a process killed before its clean shutdown leaves: its lines, no seal.
    writeFileSync(path, `${fileLines().slice(0, -1).join('\n')}\n`);
    session(1);
    expect(
      records()
        .filter((r) => r.event === 'audit_segment_start')
        .map((r) => r.reason),
    ).toEqual(['new_file', 'unsealed']);
    const verdict = await verifyAuditFile(path);
    expect(verdict.ok).toBe(true);
    expect(verdict.findings).toEqual([
      expect.objectContaining({
        line: 1,
        kind: 'note',
        message: expect.stringMatching(/ended without a seal/),
      }),
    ]);
  });
});

describe('a crash in the middle of a line', () => {
  it('starts a new segment that names the break, instead of appending onto the partial line', async () => {
    session(3);
    const before = readFileSync(path).length;
    // What a crash during a write leaves: the first bytes of a line, no newline.
    appendFileSync(
      path,
      '{"level":"info","timestamp":"2026-12-03T10:00:00.000Z","logger":"audit","tool":"t","ev',
    );
    session(2);
    const lines = fileLines();
    expect(lines[5]).toMatch(/,"ev$/);
    const start = JSON.parse(lines[6]!) as Record<string, unknown>;
    expect(start).toMatchObject({
      event: 'audit_segment_start',
      reason: 'partial_line',
      break_offset: before,
      break_bytes: lines[5]!.length,
      // Linked to the last complete line, not to the fragment.
      prev: lineHash(lines[4]!),
    });
    const verdict = await verifyAuditFile(path);
    expect(verdict).toMatchObject({ ok: true, lines: 10, segments: 2 });
    expect(verdict.findings).toEqual([
      expect.objectContaining({ line: 6, kind: 'note', message: expect.stringMatching(/cut short.*crash/) }),
    ]);
  });

  it('verification goes on past a break and reports every one with its line number', async () => {
    session(6);
    const lines = fileLines();
    // An unrecorded break at line 3, and an edited line 6 further on (found at line 7, whose prev no longer
    // matches); the seal at line 8 counts a line that is no longer whole.
    lines[2] = lines[2]!.slice(0, 20);
    lines[5] = lines[5]!.replace('"n":4', '"n":5');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const verdict = await verifyAuditFile(path);
    expect(verdict.ok).toBe(false);
    expect(verdict.brokenAt).toBe(3);
    expect(verdict.findings.filter((f) => f.kind === 'break').map((f) => f.line)).toEqual([3, 7, 8]);
  });

  it('a segment start cannot excuse a break it does not name', async () => {
    session(2);
    appendFileSync(path, '{"partial');
    session(1);
    const lines = fileLines();
    lines[4] = '{"other partial';
    writeFileSync(path, `${lines.join('\n')}\n`);
    const verdict = await verifyAuditFile(path);
    expect(verdict.ok).toBe(false);
    expect(verdict.brokenAt).toBe(5);
  });
});

describe('the end of the log, anchored by the head', () => {
  it('a cut tail passes without the head (only noted), and fails against the head kept elsewhere', async () => {
    const heads: AuditHead[] = [];
    session(8, { heads });
    const head = heads.at(-1)!.hash;
    expect((await verifyAuditFile(path, { head })).ok).toBe(true);
    const lines = fileLines();
    writeFileSync(path, `${lines.slice(0, -3).join('\n')}\n`);
    const withoutHead = await verifyAuditFile(path);
    expect(withoutHead.ok).toBe(true);
    expect(withoutHead.findings).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/not sealed/) }),
    ]);
    const withHead = await verifyAuditFile(path, { head });
    expect(withHead.ok).toBe(false);
    expect(withHead.reason).toMatch(/no line has the head hash/);
  });

  it('an unkeyed chain recomputed after an edit passes alone, and fails against the head', async () => {
    const heads: AuditHead[] = [];
    session(12, { heads });
    const head = heads.at(-1)!.hash;
    writeFileSync(
      path,
      recomputed(fileLines(), (line) => line.replace('"n":3', '"n":30')),
    );
    expect((await verifyAuditFile(path)).ok).toBe(true);
    expect(await verifyAuditFile(path, { head })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/head/),
    });
  });

  it('the seal must count its segment: lines removed before it are found', async () => {
    session(4);
    writeFileSync(
      path,
      recomputed(fileLines(), (line) => line, [2]),
    );
    expect(await verifyAuditFile(path)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/seal counts 5 lines/),
    });
  });
});

/** What someone who can write the file but lacks the key can do: edit lines, drop some, and rehash every `prev`. */
function recomputed(
  lines: readonly string[],
  edit: (line: string) => string,
  drop: readonly number[] = [],
  hasher = lineHash,
): string {
  let prev = '0'.repeat(32);
  const out: string[] = [];
  lines.forEach((line, index) => {
    if (drop.includes(index)) return;
    const rewritten = edit(line).replace(/"prev":"[0-9a-f]{32}"\}$/, `"prev":"${prev}"}`);
    out.push(rewritten);
    prev = hasher(rewritten);
  });
  return `${out.join('\n')}\n`;
}

describe('a keyed chain', () => {
  it('links with the key; verifies with it; is refused without it', async () => {
    session(3, { key: KEY });
    expect(records()[0]).toMatchObject({ event: 'audit_segment_start', chain: 'hmac-sha256' });
    expect(JSON.stringify(records())).not.toContain(KEY.toString());
    expect(await verifyAuditFile(path, { key: KEY })).toMatchObject({ ok: true, lines: 5 });
    expect(await verifyAuditFile(path)).toMatchObject({ ok: false, reason: expect.stringMatching(/keyed/) });
    expect(await verifyAuditFile(path, { key: Buffer.from('x'.repeat(40)) })).toMatchObject({ ok: false });
  });

  it('rewriting ten lines and recomputing every prev without the key is found', async () => {
    session(12, { key: KEY });
    const lines = fileLines();
    const edit = (line: string) => line.replace(/"n":(\d+)/, (_, n: string) => `"n":${Number(n) + 100}`);
    // Plain hashes, with the segment record saying so.
    const unkeyed = recomputed(lines, (line) =>
      edit(line).replace('"chain":"hmac-sha256"', '"chain":"sha256"'),
    );
    writeFileSync(path, unkeyed);
    expect((await verifyAuditFile(path)).ok).toBe(true);
    expect(await verifyAuditFile(path, { key: KEY })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not keyed/),
    });
    // HMACs under a guessed key.
    writeFileSync(
      path,
      recomputed(lines, edit, [], lineHasher(Buffer.from('guessed-key-guessed-key-guessed-key'))),
    );
    expect((await verifyAuditFile(path, { key: KEY })).ok).toBe(false);
  });
});

describe('one writer per file', () => {
  it('refuses a second log on a file in use, naming the file and the pid; frees it at close', () => {
    const first = openAuditLog({ path, bindings: {}, timestamp });
    let refusal: unknown;
    try {
      openAuditLog({ path, bindings: {}, timestamp });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StartupError);
    expect((refusal as Error).message).toContain(
      `audit log '${path}' is in use by another scoped-mcp process (pid ${process.pid}`,
    );
    first.close();
    openAuditLog({ path, bindings: {}, timestamp }).close();
  });

  it('refuses while the pid in the lock runs, and takes over a lock whose process is gone', () => {
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 1 }));
    expect(() => openAuditLog({ path, bindings: {}, timestamp })).toThrow(/pid 1\b/);
    vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('no such process'), { code: 'ESRCH' });
    });
    const log = openAuditLog({ path, bindings: {}, timestamp });
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    log.close();
    expect(fs.existsSync(`${path}.lock`)).toBe(false);
  });
});

describe('a failed write', () => {
  it('is refused, and a line cut short by it is recorded by the next segment start', async () => {
    const log = session(2, { seal: false });
    const original = fs.writeSync;
    let failNext = true;
    // A disk that takes 10 bytes of the line, then is full (a real short write then ENOSPC).
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
      if (failNext && typeof data === 'string' && data.includes('"n":99')) {
        failNext = false;
        (original as (...args: unknown[]) => number)(fd, data.slice(0, 10));
        return 10;
      }
      if (!failNext && typeof data !== 'string' && rest[0] === 10) {
        failNext = true;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return (original as (...args: unknown[]) => number)(fd, data, ...rest);
    }) as typeof fs.writeSync);
    expect(() => log.logger.info({ n: 99 }, 'tool_call')).toThrow(AuditUnavailableError);
    vi.restoreAllMocks();
    log.logger.info({ n: 100 }, 'tool_call');
    log.close();
    const lines = fileLines();
    expect(lines[3]).toHaveLength(10);
    expect(JSON.parse(lines[4]!)).toMatchObject({
      event: 'audit_segment_start',
      reason: 'write_failed',
      break_bytes: 10,
    });
    const verdict = await verifyAuditFile(path);
    expect(verdict).toMatchObject({ ok: true, segments: 2 });
    expect(verdict.findings).toEqual([
      expect.objectContaining({ line: 4, message: expect.stringMatching(/failed write/) }),
    ]);
  });
});

describe('verification reads in bounded memory', () => {
  it('streams a large log, a 20 MB line included, without holding it', async () => {
    session(1, { seal: false });
    // ~60 MB: many ordinary lines, then one line far longer than the reader keeps whole.
    const ordinary = fileLines();
    let prev = lineHash(ordinary.at(-1)!);
    const fd = fs.openSync(path, 'a');
    const pad = 'x'.repeat(300);
    let text = '';
    const sizes = [...Array.from({ length: 120_000 }, () => 300), 20_000_000];
    for (const [i, size] of sizes.entries()) {
      const line = `{"level":"info","pad":"${size === 300 ? pad : 'y'.repeat(size)}","n":${i},"event":"tool_call","prev":"${prev}"}`;
      prev = lineHash(line);
      text += `${line}\n`;
      if (text.length > 4_000_000 || i === sizes.length - 1) {
        fs.writeSync(fd, text);
        text = '';
      }
    }
    fs.closeSync(fd);
    const size = fs.statSync(path).size;
    expect(size).toBeGreaterThan(55_000_000);
    global.gc?.();
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
    }, 1);
    const verdict = await verifyAuditFile(path, { head: prev });
    clearInterval(sampler);
    expect(verdict).toMatchObject({ ok: true, lines: 2 + sizes.length, headLine: 2 + sizes.length });
    // Generous, because garbage not yet collected counts too (more of it on a loaded machine): a 1 MiB read
    // buffer and lines of at most 64 KiB are held, against a 60 MB file and a 20 MB line that would not fit.
    expect(peak).toBeLessThan(40_000_000);
  }, 60_000);
});

describe('verifyChain', () => {
  it('is the same verdict over text in memory', () => {
    session(2);
    expect(verifyChain(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, lines: 4, segments: 1 });
  });
});
