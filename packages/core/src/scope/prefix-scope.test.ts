import { mkdir, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isScopedMcpError, isScopeViolation } from '../errors/errors.js';
import {
  isInsideRoot,
  type PrefixScope,
  parseAgentPath,
  pathSegments,
  prefixScope,
  quoteAgentPath,
} from './prefix-scope.js';

let base: string;
let rootDir: string;
let outside: string;
let scope: PrefixScope;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'prefix-scope-')));
  rootDir = join(base, 'agents', 'agent-a');
  outside = join(base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'secret');
  scope = await prefixScope(rootDir);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refusedWith(path: string, options?: { followLeaf?: boolean }): Promise<string> {
  try {
    await scope.resolve(path, options);
  } catch (error) {
    expect(isScopeViolation(error)).toBe(true);
    const message = (error as Error).message;
    // The agent's own input may be echoed; nothing else from the host.
    expect(message.replace(path, '')).not.toContain(base);
    return message;
  }
  throw new Error(`accepted ${path}`);
}

describe('prefixScope', () => {
  it('creates a missing root with mode 0700 and stores its real path', async () => {
    expect(scope.root).toBe(rootDir);
    expect((await stat(rootDir)).mode & 0o777).toBe(0o700);
  });

  it('refuses a relative root', async () => {
    await expect(prefixScope('relative/dir')).rejects.toThrow(/absolute/);
  });

  it('stores the real path when the root is reached through a symlink', async () => {
    await symlink(rootDir, join(base, 'via-link'));
    const viaLink = await prefixScope(join(base, 'via-link'));
    expect(viaLink.root).toBe(rootDir);
    // Both spellings of the root are accepted as absolute prefixes.
    expect((await viaLink.resolve(join(base, 'via-link', 'x'))).absolute).toBe(join(rootDir, 'x'));
    expect((await viaLink.resolve(join(rootDir, 'x'))).relative).toBe('x');
  });

  it('maps existing and missing paths into the root', async () => {
    await mkdir(join(rootDir, 'd'));
    await writeFile(join(rootDir, 'd', 'f.txt'), 'x');
    expect(await scope.resolve('d/f.txt')).toEqual({
      absolute: join(rootDir, 'd/f.txt'),
      relative: 'd/f.txt',
    });
    expect(await scope.resolve('new/deeper/g.txt')).toEqual({
      absolute: join(rootDir, 'new/deeper/g.txt'),
      relative: 'new/deeper/g.txt',
    });
    expect(await scope.resolve('')).toEqual({ absolute: rootDir, relative: '' });
    expect((await scope.resolve(`${rootDir}/d/f.txt`)).relative).toBe('d/f.txt');
  });

  it('follows a symlink that stays inside the root', async () => {
    await mkdir(join(rootDir, 'real'));
    await writeFile(join(rootDir, 'real', 'f.txt'), 'x');
    await symlink('real', join(rootDir, 'alias'));
    await symlink(join(rootDir, 'real', 'f.txt'), join(rootDir, 'abs-link'));
    expect((await scope.resolve('alias/f.txt')).absolute).toBe(join(rootDir, 'real/f.txt'));
    expect((await scope.resolve('alias/new.txt')).absolute).toBe(join(rootDir, 'real/new.txt'));
    expect((await scope.resolve('abs-link')).absolute).toBe(join(rootDir, 'real/f.txt'));
  });

  it('follows a dangling in-scope symlink to where it would create the file', async () => {
    await mkdir(join(rootDir, 'd'));
    await symlink('d/later.txt', join(rootDir, 'pending'));
    expect((await scope.resolve('pending')).absolute).toBe(join(rootDir, 'd/later.txt'));
  });

  it.each([
    ['leaf file link', 'link', async () => symlink(join(outside, 'secret.txt'), join(rootDir, 'link'))],
    ['leaf dir link', 'link/secret.txt', async () => symlink(outside, join(rootDir, 'link'))],
    ['relative link', 'link/secret.txt', async () => symlink('../../outside', join(rootDir, 'link'))],
    ['missing tail', 'link/new/x.txt', async () => symlink(outside, join(rootDir, 'link'))],
    ['dangling leaf', 'link', async () => symlink(join(outside, 'new.txt'), join(rootDir, 'link'))],
    [
      'chain',
      'a/secret.txt',
      async () => {
        await symlink('b', join(rootDir, 'a'));
        await symlink('c', join(rootDir, 'b'));
        await symlink(outside, join(rootDir, 'c'));
      },
    ],
    [
      'out and back in',
      'out/back/f',
      async () => {
        await mkdir(join(rootDir, 'd'));
        await symlink(rootDir, join(outside, 'back'));
        await symlink(outside, join(rootDir, 'out'));
      },
    ],
    [
      'link target climbing through a missing dir',
      'link',
      async () => symlink('missing/../../../outside/secret.txt', join(rootDir, 'link')),
    ],
    [
      'deep ancestor',
      'd/e/link/f/g',
      async () => {
        await mkdir(join(rootDir, 'd/e'), { recursive: true });
        await symlink(outside, join(rootDir, 'd/e/link'));
      },
    ],
  ])('refuses a symlink escape: %s', async (_name, path, arrange) => {
    await arrange();
    const message = await refusedWith(path);
    expect(message).toMatch(/crosses a symlink that leads outside the agent's directory/);
    expect(await refusedWith(path, { followLeaf: false })).toBe(message);
  });

  it('refuses a symlink loop with an input error', async () => {
    await symlink('loop2', join(rootDir, 'loop1'));
    await symlink('loop1', join(rootDir, 'loop2'));
    const error = await scope.resolve('loop1/x').catch((e: unknown) => e);
    expect(isScopedMcpError(error) && error.code).toBe('SMCP_TOOL_INPUT');
    expect((error as Error).message).toMatch(/too many levels of symbolic links/);
  });

  it('refuses the sibling whose name extends the root (no /root2 prefix bug)', async () => {
    await mkdir(join(base, 'agents', 'agent-a2'));
    await refusedWith(join(base, 'agents', 'agent-a2', 'x'));
    await symlink(join(base, 'agents', 'agent-a2'), join(rootDir, 'sib'));
    await refusedWith('sib/x');
  });

  it('with followLeaf false names the link itself', async () => {
    await writeFile(join(rootDir, 'target.txt'), 'x');
    await symlink('target.txt', join(rootDir, 'link'));
    expect((await scope.resolve('link', { followLeaf: false })).absolute).toBe(join(rootDir, 'link'));
    expect((await scope.resolve('link')).absolute).toBe(join(rootDir, 'target.txt'));
  });

  it('with followLeaf false still resolves the parent', async () => {
    await mkdir(join(rootDir, 'real'));
    await symlink('real', join(rootDir, 'alias'));
    expect((await scope.resolve('alias/f', { followLeaf: false })).absolute).toBe(join(rootDir, 'real/f'));
  });
});

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
