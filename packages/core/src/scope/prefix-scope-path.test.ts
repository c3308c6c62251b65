import { describe, expect, it } from 'vitest';
import { isScopeViolation } from '../errors/scoped-mcp-error.js';
import { isInsideRoot, parseAgentPath, pathSegments, quoteAgentPath } from './prefix-scope-path.js';

const ROOT = '/srv/base/agents/agent-a';
const roots = [pathSegments(ROOT)];
const parse = (p: string) => parseAgentPath(p, roots);

function refusal(p: string): string {
  try {
    parse(p);
  } catch (error) {
    expect(isScopeViolation(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(p)}`);
}

describe('parseAgentPath', () => {
  it.each([
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['/', ''],
    ['///', ''],
    ['a.txt', 'a.txt'],
    ['a//b/./c/', 'a/b/c'],
    ['a/b/../c', 'a/c'],
    ['a/..', ''],
    ['~', '~'],
    ['~/notes', '~/notes'],
    ['%2e%2e/x', '%2e%2e/x'],
    ['..%2f..%2fx', '..%2f..%2fx'],
    ['...', '...'],
    ['..a', '..a'],
    ['a..', 'a..'],
    ['te..st', 'te..st'],
    ['\u2024\u2024/x', '\u2024\u2024/x'],
    ['\uff0e\uff0e\uff0fx', '\uff0e\uff0e\uff0fx'],
    ['..\u2215x', '..\u2215x'],
    ['.\u0338', '.\u0338'],
    ['C/x', 'C/x'],
    [`${ROOT}`, ''],
    [`${ROOT}/`, ''],
    [`${ROOT}/a/b`, 'a/b'],
    [`${ROOT}//./a`, 'a'],
  ])('accepts %j as %j', (input, relative) => {
    expect(parse(input)).toBe(relative);
  });

  it('normalises to NFC so one name has one spelling', () => {
    expect(parse('cafe\u0301.txt')).toBe('caf\u00e9.txt');
    expect(parse('caf\u00e9.txt')).toBe('caf\u00e9.txt');
  });

  it.each([
    '..',
    '../x',
    './../x',
    'a/../../x',
    'a/./../..',
    'a/b/../../../x',
    '../agent-a/x',
    '/etc/passwd',
    '/..',
    '/srv/base/agents/agent-a2/x',
    '/srv/base/agents/agent-b',
    '/srv/base',
    `${ROOT}/../agent-a/x`,
    `${ROOT}/..`,
    'a\0b',
    '\0',
    'a\nb',
    'a\u0085b',
    'a\u2028b',
    'a\\b',
    '..\\..\\x',
    'C:\\x',
    'C:',
    'c:/x',
    '\\\\server\\share',
    'a\ud800b',
    `${'a/'.repeat(2049)}`,
    'x'.repeat(256),
    `ok/${'é'.repeat(128)}`,
  ])('refuses %j', (input) => {
    const message = refusal(input);
    expect(message).not.toMatch(/[\n\r\0]/);
  });

  it('accepts a 255-byte name and refuses 256 bytes', () => {
    expect(parse('x'.repeat(255))).toBe('x'.repeat(255));
    expect(refusal('x'.repeat(256))).toMatch(/longer than 255 bytes/);
  });

  it('names the agent path in messages, never anything else', () => {
    expect(refusal('../x')).toBe("Path '../x' is outside the agent's directory");
    expect(refusal('a\0b')).toBe("Path 'a\\u0000b' contains a control character");
  });
});

describe('isInsideRoot', () => {
  it.each([
    ['/r', '/r', true],
    ['/r', '/r/x', true],
    ['/r', '/r2', false],
    ['/r', '/r2/x', false],
    ['/r', '/', false],
    ['/', '/x', true],
  ])('%s contains %s: %s', (root, candidate, inside) => {
    expect(isInsideRoot(root, candidate)).toBe(inside);
  });
});

describe('quoteAgentPath', () => {
  it('cuts long paths', () => {
    expect(quoteAgentPath('a'.repeat(500)).length).toBeLessThan(130);
  });
});
