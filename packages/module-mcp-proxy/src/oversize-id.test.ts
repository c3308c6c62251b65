import { LineFramer, type OversizeLine } from '@scoped-mcp/core';
import { describe, expect, it } from 'vitest';
import { oversizeMessageId } from './oversize-id.js';

function reader(max: number) {
  const lines: string[] = [];
  const oversize: OversizeLine[] = [];
  const r = new LineFramer(max, {
    line: (bytes) => lines.push(bytes.toString('utf8')),
    oversize: (line) => oversize.push(line),
  });
  return { r, lines, oversize };
}

describe('LineFramer with oversizeMessageId', () => {
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
