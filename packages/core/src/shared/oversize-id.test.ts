import { describe, expect, it } from 'vitest';
import { LineFramer, type OversizeLine } from './line-framer.js';
import { oversizeResponseId, readOversizeMessage } from './oversize-id.js';

function reader(max: number) {
  const lines: string[] = [];
  const oversize: OversizeLine[] = [];
  const r = new LineFramer(max, {
    line: (bytes) => lines.push(bytes.toString('utf8')),
    oversize: (line) => oversize.push(line),
  });
  return { r, lines, oversize };
}

const line = (head: string, tail: string) => ({ head, tail, bytes: 1 });

describe('LineFramer with oversizeResponseId', () => {
  it('handles an over-long line arriving in one chunk', () => {
    const { r, oversize } = reader(10);
    r.push(Buffer.from(`{"jsonrpc":"2.0","id":"abc","result":{"t":"${'y'.repeat(50)}"}}\n`));
    expect(oversize).toHaveLength(1);
    expect(oversizeResponseId(oversize[0]!)).toBe('abc');
  });

  it('reads the id of a request arriving in many chunks, from its tail', () => {
    const { r, oversize } = reader(64);
    const request = `{"method":"tools/call","params":{"name":"t","arguments":{"pad":"${'x'.repeat(1000)}"}},"jsonrpc":"2.0","id":41}`;
    for (let i = 0; i < request.length; i += 7) r.push(Buffer.from(request.slice(i, i + 7)));
    r.push(Buffer.from('\n'));
    expect(readOversizeMessage(oversize[0]!)).toEqual({ kind: 'request', id: 41 });
  });
});

describe('oversizeResponseId', () => {
  it('finds the id of responses in either serialisation order', () => {
    expect(oversizeResponseId(line('{"result":{"content":[', '"}]},"jsonrpc":"2.0","id":12}'))).toBe(12);
    expect(oversizeResponseId(line('{"jsonrpc":"2.0","id":5,"result":{', '}}'))).toBe(5);
    expect(oversizeResponseId(line('{"id":"r-1","error":{', '}}'))).toBe('r-1');
  });

  it('ignores requests and notifications (their ids are the upstream numbering) and nested ids', () => {
    expect(
      oversizeResponseId(line('{"method":"sampling/createMessage","params":{', '},"jsonrpc":"2.0","id":0}')),
    ).toBeUndefined();
    expect(oversizeResponseId(line('{"jsonrpc":"2.0","id":3,"method":"x",', '}'))).toBeUndefined();
    expect(oversizeResponseId(line('{"result":{"a":', '{"id":4}}'))).toBeUndefined();
  });
});

describe('readOversizeMessage', () => {
  it('reads requests in the Python SDK order (id in the head) and the TypeScript SDK order (id last)', () => {
    expect(
      readOversizeMessage(line('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"a', 'x"}}}')),
    ).toEqual({ kind: 'request', id: 7 });
    expect(
      readOversizeMessage(
        line('{"method":"tools/call","params":{"name":"x","arguments":{', '"}}},"jsonrpc":"2.0","id":"k-9"}'),
      ),
    ).toEqual({ kind: 'request', id: 'k-9' });
    expect(readOversizeMessage(line('{ "id" : -3 , "method" : "ping" , "params" : {', '}}'))).toEqual({
      kind: 'request',
      id: -3,
    });
  });

  it('takes no id from inside a value: nested, escaped in a string, or past the head', () => {
    expect(readOversizeMessage(line('{"method":"tools/call","params":{', '{"id":4}}}'))).toEqual({
      kind: 'request',
    });
    expect(readOversizeMessage(line('{"method":"tools/call","params":{"s":"', ',\\"id\\":4}"}}'))).toEqual({
      kind: 'request',
    });
    expect(readOversizeMessage(line('{"method":"tools/call","params":{"a":', 'x,"id":4.5}'))).toEqual({
      kind: 'request',
    });
  });

  it('tells a notification (no id to answer) from a request whose id cannot be read', () => {
    expect(readOversizeMessage(line('{"method":"notifications/message","params":{', '}}'))).toEqual({
      kind: 'notification',
    });
    expect(readOversizeMessage(line('{"params":{"x":', '}}'))).toEqual({ kind: 'request' });
    expect(readOversizeMessage(line('[{"jsonrpc":"2.0"', '}]'))).toEqual({ kind: 'unknown' });
    expect(readOversizeMessage(line('xxxxxxxx', 'xxxx'))).toEqual({ kind: 'unknown' });
  });

  it('reads responses too', () => {
    expect(readOversizeMessage(line('{"result":{"content":[', '"}]},"jsonrpc":"2.0","id":12}'))).toEqual({
      kind: 'response',
      id: 12,
    });
  });
});
