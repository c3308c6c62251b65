import { describe, expect, it } from 'vitest';
import { verifyChain } from './chain-verifier.js';
import { CHAIN_GENESIS, chainRecordOf, createLinker, lineHash, lineHasher } from './hash-chain.js';

/** A JSON object's text without its closing brace, as the audit writer hands it to the linker. */
const open = (value: unknown) => JSON.stringify(value).slice(0, -1);

function chainedLog(count: number, initial = CHAIN_GENESIS): string[] {
  const { link } = createLinker(initial);
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
    const { link } = createLinker(CHAIN_GENESIS);
    const spaced: string[] = [];
    for (let i = 0; i < 4; i++) {
      spaced.push(link(open({ event: 'tool_call', n: i })));
      // Alternate: let the deferred hash run after some lines, leave it to the next line after others.
      if (i % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(spaced).toEqual(burst);
    expect(verifyChain(join_(spaced))).toMatchObject({ ok: true, lines: 4 });
  });

  it('closes the object after prev and ends the line', () => {
    const { link } = createLinker(CHAIN_GENESIS);
    expect(link('{"a":1')).toBe(`{"a":1,"prev":"${CHAIN_GENESIS}"}\n`);
  });

  it('hashes are 32 hex characters', () => {
    expect(lineHash('x')).toMatch(/^[0-9a-f]{32}$/);
    expect(lineHash('x')).not.toBe(lineHash('y'));
  });

  it('forgets a line rolled back: the next line links to the one before it', () => {
    const linker = createLinker(CHAIN_GENESIS);
    const first = linker.link(open({ n: 0 }));
    linker.link(open({ n: 1 }));
    linker.rollback();
    expect(linker.head()).toBe(lineHash(first.trimEnd()));
    const third = linker.link(open({ n: 2 }));
    expect(verifyChain(first + third)).toMatchObject({ ok: true, lines: 2 });
  });

  it('links with an HMAC under a key: the same lines, other hashes, and none without the key', () => {
    const key = Buffer.from('k'.repeat(32));
    const keyed = createLinker(CHAIN_GENESIS, lineHasher(key));
    const first = keyed.link(open({ n: 0 }));
    const second = keyed.link(open({ n: 1 }));
    expect(JSON.parse(second).prev).toBe(lineHasher(key)(first.trimEnd()));
    expect(JSON.parse(second).prev).not.toBe(lineHash(first.trimEnd()));
    expect(lineHasher(Buffer.from('other-key-of-32-bytes-xxxxxxxxxx'))(first)).not.toBe(
      lineHasher(key)(first),
    );
  });
});

describe('chainRecordOf', () => {
  it('names a chain record by the end of its line only', () => {
    const prev = `"prev":"${'a'.repeat(32)}"}`;
    expect(chainRecordOf(`{"x":1,"event":"audit_sealed",${prev}`)).toBe('sealed');
    expect(chainRecordOf(`{"level":"info","event":"audit_segment_start",${prev}`)).toBe('segmentStart');
    // The same text inside the fields (an agent's argument) is not the line's own event.
    expect(chainRecordOf(`{"args":{"event":"audit_sealed"},"event":"tool_call",${prev}`)).toBeUndefined();
  });
});
