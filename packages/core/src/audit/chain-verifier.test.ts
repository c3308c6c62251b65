import { describe, expect, it } from 'vitest';
import { verifyChain } from './chain-verifier.js';
import { CHAIN_GENESIS, createLinker, lineHash } from './hash-chain.js';

/** A JSON object's text without its closing brace, as the audit writer hands it to the linker. */
const open = (value: unknown) => JSON.stringify(value).slice(0, -1);

function chainedLog(count: number, initial = CHAIN_GENESIS): string[] {
  const { link } = createLinker(initial);
  return Array.from({ length: count }, (_, i) => link(open({ event: 'tool_call', n: i })));
}

const join_ = (lines: readonly string[]) => lines.join('');

describe('verifyChain', () => {
  it('accepts an intact log', () => {
    expect(verifyChain(join_(chainedLog(5)))).toMatchObject({ ok: true, lines: 5 });
    expect(verifyChain('')).toMatchObject({ ok: true, lines: 0 });
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
    expect(verifyChain(join_([...lines, '{"event":"x"}\n']))).toMatchObject({
      ok: false,
      lines: 4,
      brokenAt: 4,
      reason: expect.stringMatching(/^not a complete audit line/),
    });
    expect(verifyChain(join_([lines[0]!, 'garbage\n', lines[1]!]))).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: expect.stringMatching(/^not a complete audit line/),
    });
  });

  // A new log starts at the genesis hash; without checking it, removing the first lines leaves no trace.
  it('detects deleting the first line of a log that started at genesis', () => {
    const lines = chainedLog(4);
    expect(verifyChain(join_(lines.slice(1)))).toMatchObject({ ok: false, brokenAt: 1 });
  });
});
