import { describe, expect, it } from 'vitest';
import { LineReader, type OversizeLine } from './line-reader.js';
import { oversizeMessageId } from './oversize-id.js';

function reader(max: number) {
  const lines: string[] = [];
  const oversize: OversizeLine[] = [];
  const r = new LineReader(max, {
    line: (bytes) => lines.push(bytes.toString('utf8')),
    oversize: (line) => oversize.push(line),
  });
  return { r, lines, oversize };
}

describe('LineReader', () => {
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

  it('handles an over-long line arriving in one chunk', () => {
    const { r, oversize } = reader(10);
    r.push(Buffer.from(`{"jsonrpc":"2.0","id":"abc","result":{"t":"${'y'.repeat(50)}"}}\n`));
    expect(oversize).toHaveLength(1);
    expect(oversizeMessageId(oversize[0]!)).toBe('abc');
  });
});

describe('oversizeMessageId', () => {
  const line = (head: string, tail: string) => ({ head, tail, bytes: 1 });
  it('finds the id of responses in either serialisation order', () => {
    expect(oversizeMessageId(line('{"result":{"content":[', '"}]},"jsonrpc":"2.0","id":12}'))).toBe(12);
    expect(oversizeMessageId(line('{"jsonrpc":"2.0","id":5,"result":{', '}}'))).toBe(5);
    expect(oversizeMessageId(line('{"id":"r-1","error":{', '}}'))).toBe('r-1');
  });

  it('ignores requests and notifications (their ids are the upstream numbering) and nested ids', () => {
    expect(
      oversizeMessageId(line('{"method":"sampling/createMessage","params":{', '},"jsonrpc":"2.0","id":0}')),
    ).toBeUndefined();
    expect(oversizeMessageId(line('{"jsonrpc":"2.0","id":3,"method":"x",', '}'))).toBeUndefined();
    expect(oversizeMessageId(line('{"result":{"a":', '{"id":4}}'))).toBeUndefined();
  });
});
