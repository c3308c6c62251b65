import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../__fixtures__/module-packages.js';
import { CHAIN_GENESIS, createLinker, lastLineHash, lineHash, verifyChain } from './hash-chain.js';

/** A JSON object's text without its closing brace, as the audit writer hands it to the linker. */
const open = (value: unknown) => JSON.stringify(value).slice(0, -1);

function chainedLog(count: number, initial = CHAIN_GENESIS): string[] {
  const link = createLinker(initial);
  return Array.from({ length: count }, (_, i) => link(open({ event: 'tool_call', n: i })));
}

const join_ = (lines: readonly string[]) => lines.join('');

describe('createLinker', () => {
  it('adds prev to each line: genesis first, then the hash of the line before', () => {
    const lines = chainedLog(3);
    const parsed = lines.map((l) => JSON.parse(l) as { n: number; prev: string });
    expect(parsed.map((p) => p.n)).toEqual([0, 1, 2]);
    expect(parsed[0]?.prev).toBe(CHAIN_GENESIS);
    expect(parsed[1]?.prev).toBe(lineHash(lines[0]!.trimEnd()));
    expect(parsed[2]?.prev).toBe(lineHash(lines[1]!.trimEnd()));
    for (const line of lines) expect(line.endsWith('}\n')).toBe(true);
  });

  it('chains the same whether the event loop turns between lines or not', async () => {
    const burst = chainedLog(4);
    const link = createLinker(CHAIN_GENESIS);
    const spaced: string[] = [];
    for (let i = 0; i < 4; i++) {
      spaced.push(link(open({ event: 'tool_call', n: i })));
      // Alternate: let the deferred hash run after some lines, leave it to the next line after others.
      if (i % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(spaced).toEqual(burst);
    expect(verifyChain(join_(spaced))).toEqual({ ok: true, lines: 4 });
  });

  it('closes the object after prev and ends the line', () => {
    const link = createLinker(CHAIN_GENESIS);
    expect(link('{"a":1')).toBe(`{"a":1,"prev":"${CHAIN_GENESIS}"}\n`);
  });

  it('hashes are 32 hex characters', () => {
    expect(lineHash('x')).toMatch(/^[0-9a-f]{32}$/);
    expect(lineHash('x')).not.toBe(lineHash('y'));
  });
});

describe('verifyChain', () => {
  it('accepts an intact log', () => {
    expect(verifyChain(join_(chainedLog(5)))).toEqual({ ok: true, lines: 5 });
    expect(verifyChain('')).toEqual({ ok: true, lines: 0 });
  });

  it('detects an edited line (at the line after it)', () => {
    const lines = chainedLog(5);
    lines[2] = lines[2]!.replace('"n":2', '"n":7');
    expect(verifyChain(join_(lines))).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('detects a deleted line', () => {
    const lines = chainedLog(5);
    lines.splice(1, 1);
    expect(verifyChain(join_(lines))).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('detects an inserted line, even a copy of a real one', () => {
    const lines = chainedLog(4);
    lines.splice(2, 0, lines[1]!);
    expect(verifyChain(join_(lines))).toMatchObject({ ok: false, brokenAt: 3 });
    const forged = chainedLog(4);
    forged.splice(2, 0, `{"event":"tool_call","prev":"${lineHash(forged[1]!.trimEnd())}"}\n`);
    expect(verifyChain(join_(forged))).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('detects reordered lines', () => {
    const lines = chainedLog(4);
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    expect(verifyChain(join_(lines))).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('detects a line without prev and a line that is not JSON', () => {
    const lines = chainedLog(3);
    expect(verifyChain(join_([...lines, '{"event":"x"}\n']))).toEqual({
      ok: false,
      lines: 4,
      brokenAt: 4,
      reason: 'no prev field',
    });
    expect(verifyChain(join_([lines[0]!, 'garbage\n', lines[1]!]))).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'not JSON',
    });
  });

  // A new log starts at the genesis hash; without checking it, removing the first lines leaves no trace.
  it('detects deleting the first line of a log that started at genesis', () => {
    const lines = chainedLog(4);
    expect(verifyChain(join_(lines.slice(1)))).toMatchObject({ ok: false, brokenAt: 1 });
  });
});

describe('lastLineHash', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('chain');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is genesis for a missing or empty file', async () => {
    expect(lastLineHash(join(dir, 'none.jsonl'))).toBe(CHAIN_GENESIS);
    await writeFile(join(dir, 'empty.jsonl'), '');
    expect(lastLineHash(join(dir, 'empty.jsonl'))).toBe(CHAIN_GENESIS);
  });

  it('continues an existing file so the whole file still verifies', async () => {
    const file = join(dir, 'audit.jsonl');
    await writeFile(file, join_(chainedLog(3)));
    const resumed = chainedLog(3, lastLineHash(file));
    await appendFile(file, join_(resumed));
    expect(verifyChain(await readFile(file, 'utf8'))).toEqual({ ok: true, lines: 6 });
  });

  it('hashes the last line when it is longer than the read window', async () => {
    const file = join(dir, 'big.jsonl');
    const link = createLinker(CHAIN_GENESIS);
    const first = link(open({ event: 'a' }));
    const big = link(open({ event: 'b', pad: 'x'.repeat(1_100_000) }));
    await writeFile(file, first + big);
    expect(lastLineHash(file)).toBe(lineHash(big.trimEnd()));
  });
});
