import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineFramer, lineFramerStage, type OversizeLine } from './line-framer.js';

function reader(max: number) {
  const lines: string[] = [];
  const oversize: OversizeLine[] = [];
  const r = new LineFramer(max, {
    line: (bytes) => lines.push(bytes.toString('utf8')),
    oversize: (line) => oversize.push(line),
  });
  return { r, lines, oversize };
}

describe('LineFramer', () => {
  it('frames lines across chunk boundaries, strips CR, skips empty lines', () => {
    const { r, lines } = reader(100);
    r.push(Buffer.from('{"a":1}\r\n{"b"'));
    r.push(Buffer.from(':2}\n\n{"c":'));
    r.push(Buffer.from('3}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('never assembles a line over the limit, keeps its ends, and resynchronises on the next line', () => {
    const { r, lines, oversize } = reader(64);
    const long = `{"result":{"text":"${'x'.repeat(1000)}"},"jsonrpc":"2.0","id":7}`;
    for (let i = 0; i < long.length; i += 100) r.push(Buffer.from(long.slice(i, i + 100)));
    r.push(Buffer.from('\n{"ok":true}\n'));
    expect(lines).toEqual(['{"ok":true}']);
    expect(oversize).toHaveLength(1);
    expect(oversize[0]!.bytes).toBe(long.length);
    expect(oversize[0]!.head.startsWith('{"result":')).toBe(true);
    expect(oversize[0]!.tail.endsWith('"id":7}')).toBe(true);
  });

  it('handles an over-long line arriving in one chunk, keeping its head', () => {
    const { r, lines, oversize } = reader(10);
    r.push(Buffer.from(`{"jsonrpc":"2.0","id":"abc","result":{"t":"${'y'.repeat(50)}"}}\n{}\n`));
    expect(oversize).toHaveLength(1);
    expect(oversize[0]!.head.startsWith('{"jsonrpc":"2.0","id":"abc",')).toBe(true);
    expect(lines).toEqual(['{}']);
  });

  it('accepts a line of exactly the limit and refuses one byte more', () => {
    const { r, lines, oversize } = reader(8);
    r.push(Buffer.from('12345678\n123456789\n'));
    expect(lines).toEqual(['12345678']);
    expect(oversize.map((line) => line.bytes)).toEqual([9]);
  });
});

describe('lineFramerStage', () => {
  async function through(max: number, writes: readonly string[]) {
    const oversize: OversizeLine[] = [];
    const stage = lineFramerStage({ maxLineBytes: max, onOversize: (line) => oversize.push(line) });
    const chunks: string[] = [];
    stage.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const ended = new Promise((resolve) => stage.once('end', resolve));
    const input = new PassThrough();
    input.pipe(stage);
    for (const text of writes) input.write(text);
    input.end();
    await ended;
    return { chunks, oversize };
  }

  it('passes complete lines on, one newline-terminated chunk each, and drops a partial last line', async () => {
    const { chunks } = await through(100, ['{"a":1}\r\n{"b"', ':2}\n{"c":3}\n{"d"']);
    expect(chunks).toEqual(['{"a":1}\n', '{"b":2}\n', '{"c":3}\n']);
  });

  it('drops a line over the limit, reports it, and passes on the lines after it', async () => {
    const { chunks, oversize } = await through(16, [`{"id":1,"x":"${'z'.repeat(100)}"}\n`, '{"id":2}\n']);
    expect(chunks).toEqual(['{"id":2}\n']);
    expect(oversize).toHaveLength(1);
    expect(oversize[0]!.bytes).toBe(115);
    expect(oversize[0]!.head.startsWith('{"id":1,')).toBe(true);
  });
});

describe('lineFramerStage holdInput', () => {
  it('frames no chunk while holdInput holds it, and the next ones only after it', async () => {
    let release: () => void = () => undefined;
    let holding = true;
    const stage = lineFramerStage({
      maxLineBytes: 100,
      holdInput: () =>
        holding
          ? new Promise<void>((resolve) => {
              release = resolve;
            })
          : undefined,
    });
    const chunks: string[] = [];
    stage.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    stage.write('{"a":1}\n');
    stage.write('{"b":2}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toEqual([]);
    holding = false;
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toEqual(['{"a":1}\n', '{"b":2}\n']);
  });
});
