import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, filesWithContent, SECRETS, snapshot, type World } from './__fixtures__/world.js';
import filesystem from './index.js';

/**
 * Path attacks on agent-a, each sent to all four tools. `refuse`: every call is an error (a scope
 * violation unless `error` says otherwise). `contain`: the path is a harmless literal name (no decoding,
 * no NFKC folding, no `~` expansion): calls may succeed, but only inside agent-a's directory.
 * Either way nothing outside agent-a's directory may change and no secret from outside may be returned.
 */
interface Attack {
  readonly name: string;
  readonly path: (w: World) => string;
  readonly expect: 'refuse' | 'contain';
  readonly arrange?: (w: World) => Promise<void>;
  /** Audit event of a refusal; default scope_violation. */
  readonly event?: 'scope_violation' | 'tool_error';
}

const link = (target: (w: World) => string, at: string) => async (w: World) => {
  await symlink(target(w), join(w.root, at));
};

const refuse = (
  name: string,
  path: string | ((w: World) => string),
  arrange?: Attack['arrange'],
): Attack => ({
  name,
  path: typeof path === 'string' ? () => path : path,
  expect: 'refuse',
  arrange,
});
const contain = (name: string, path: string): Attack => ({ name, path: () => path, expect: 'contain' });

const attacks: readonly Attack[] = [
  // `..` in every position
  refuse('bare ..', '..'),
  refuse('leading ../', '../'),
  refuse('leading .. to the canary', '../../../canary.txt'),
  refuse('leading .. to agent-b', '../agent-b/secret.txt'),
  refuse('leading .. to the sibling prefix agent-a2', '../agent-a2/secret.txt'),
  refuse('.. climbing out and back in', '../agent-a/ok.txt'),
  refuse('middle ..', 'sub/../../agent-b/secret.txt'),
  refuse('middle .. after two names', 'sub/inner/../../../agent-b/secret.txt'),
  refuse('a/../../x', 'a/../../x'),
  refuse('./../x', './../x'),
  refuse('a/./../..', 'a/./../..'),
  refuse('trailing ..', 'sub/../..'),
  refuse('trailing ../..', '../..'),
  refuse('repeated ..', `${'../'.repeat(12)}etc/passwd`),
  refuse('doubled slashes around ..', 'sub/..//../x'),
  refuse('dot segments and ..', './sub/./../.././x'),
  refuse('deep .. to the canary', 'sub/./inner/../../../../canary.txt'),
  // absolute paths
  refuse('/etc/passwd', '/etc/passwd'),
  refuse('/etc/ with trailing slash', '/etc/'),
  refuse('//etc/passwd', '//etc/passwd'),
  refuse('/..', '/..'),
  refuse('/proc/self/environ (credentials)', '/proc/self/environ'),
  refuse('absolute canary', (w) => join(w.tmp, 'canary.txt')),
  refuse("absolute agent-b's file", (w) => join(w.agentB, 'secret.txt')),
  refuse("absolute agent-b's root", (w) => w.agentB),
  refuse('absolute base_path itself', (w) => w.base),
  refuse('absolute agents directory', (w) => join(w.base, 'agents')),
  refuse('absolute sibling prefix agent-a2', (w) => join(w.base, 'agents', 'agent-a2', 'secret.txt')),
  refuse('absolute own root then ..', (w) => `${w.root}/../agent-b/secret.txt`),
  refuse('absolute own root, .. and back', (w) => `${w.root}/../agent-a/ok.txt`),
  refuse('absolute own root, sub and up twice', (w) => `${w.root}/sub/../../agent-b`),
  // symlinks planted in the agent's directory
  refuse(
    'leaf file symlink to outside',
    'l-file',
    link((w) => join(w.tmp, 'canary.txt'), 'l-file'),
  ),
  refuse(
    'leaf dir symlink to outside',
    'l-dir',
    link((w) => w.outside, 'l-dir'),
  ),
  refuse(
    'file under a dir symlink to outside',
    'l-dir/secret.txt',
    link((w) => w.outside, 'l-dir'),
  ),
  refuse(
    'leaf symlink to agent-b file',
    'l-peer',
    link((w) => join(w.agentB, 'secret.txt'), 'l-peer'),
  ),
  refuse(
    'dir symlink to agent-b',
    'l-peer/secret.txt',
    link((w) => w.agentB, 'l-peer'),
  ),
  refuse(
    'relative symlink to agent-b',
    'l-rel/secret.txt',
    link(() => '../agent-b', 'l-rel'),
  ),
  refuse(
    'symlink to sibling prefix agent-a2',
    'l-a2/secret.txt',
    link((w) => `${w.root}2`, 'l-a2'),
  ),
  refuse(
    'symlink to base_path',
    'l-base/agents/agent-b/secret.txt',
    link((w) => w.base, 'l-base'),
  ),
  refuse(
    'symlink to /',
    'l-slash/etc/passwd',
    link(() => '/', 'l-slash'),
  ),
  refuse(
    'symlink target using own root then ..',
    'l-sneak/secret.txt',
    link((w) => `${w.root}/../agent-b`, 'l-sneak'),
  ),
  refuse(
    'ancestor symlink with non-existent tail',
    'l-dir/new/deeper.txt',
    link((w) => w.outside, 'l-dir'),
  ),
  refuse(
    'ancestor symlink to agent-b with new file',
    'l-peer/new.txt',
    link((w) => w.agentB, 'l-peer'),
  ),
  refuse(
    'dangling leaf symlink to a new outside file',
    'l-dangling',
    link((w) => join(w.outside, 'new.txt'), 'l-dangling'),
  ),
  refuse(
    'symlink inside a subdirectory',
    'sub/l-esc/secret.txt',
    link((w) => w.outside, 'sub/l-esc'),
  ),
  refuse('symlink chain ending outside', 'chain1/secret.txt', async (w) => {
    await symlink('chain2', join(w.root, 'chain1'));
    await symlink('sub/chain3', join(w.root, 'chain2'));
    await symlink(w.outside, join(w.root, 'sub/chain3'));
  }),
  refuse('symlink chain ending at agent-b', 'c1/secret.txt', async (w) => {
    await symlink('c2', join(w.root, 'c1'));
    await symlink('../agent-b', join(w.root, 'c2'));
  }),
  refuse('symlink out and back in', 'l-out/back/ok.txt', async (w) => {
    await symlink(w.root, join(w.outside, 'back'));
    await symlink(w.outside, join(w.root, 'l-out'));
  }),
  refuse(
    'symlink target climbing through a missing dir',
    'l-climb',
    link(() => 'nope/../../../../canary.txt', 'l-climb'),
  ),
  {
    ...refuse('symlink loop', 'loop1/x', async (w) => {
      await symlink('loop2', join(w.root, 'loop1'));
      await symlink('loop1', join(w.root, 'loop2'));
    }),
    event: 'tool_error',
  },
  // NUL and control characters
  refuse('NUL in the middle', 'a\0b'),
  refuse('NUL alone', '\0'),
  refuse('NUL extension trick', 'ok.txt\0.png'),
  refuse('NUL after ..', '../\0'),
  refuse('newline with ..', 'sub\n/../../x'),
  refuse('DEL', 'a\u007fb'),
  refuse('unpaired surrogate', 'a\ud800b'),
  // Windows separators and drives
  refuse('backslash ..', '..\\..\\canary.txt'),
  refuse('mixed separators', 'sub\\..\\..\\x'),
  refuse('drive letter', 'C:\\Windows\\system32'),
  refuse('drive letter with slash', 'C:/x'),
  refuse('UNC share', '\\\\server\\share\\x'),
  // trailing slashes, tilde, long paths
  refuse('.. with trailing slash', '../x/'),
  refuse('..//', '..//'),
  refuse('/etc// with trailing slashes', '/etc//'),
  refuse('tilde then ..', '~/../../canary.txt'),
  refuse('path over 4096 bytes', `${'d/'.repeat(2100)}x`),
  refuse('segment over 255 bytes', `${'n'.repeat(256)}`),
  refuse('climb hidden behind a long path', `${'../'.repeat(1300)}etc/passwd`),
  refuse('percent-encoding next to a real ..', 'sub/%2e%2e/../../../x'),
  // literal names: harmless, must stay inside
  contain('%2e%2e/ encoded dots', '%2e%2e/%2e%2e/canary.txt'),
  contain('..%2f encoded slash', '..%2f..%2fcanary.txt'),
  contain('%2e%2e%2f fully encoded', '%2e%2e%2f%2e%2e%2fcanary.txt'),
  contain('double-encoded', '..%252f..%252fcanary.txt'),
  contain('U+2024 one dot leader', '\u2024\u2024/\u2024\u2024/canary.txt'),
  contain('U+2025 two dot leader', '\u2025/\u2025/canary.txt'),
  contain('U+FF0E fullwidth full stop', '\uff0e\uff0e/\uff0e\uff0e/canary.txt'),
  contain('U+FF0F fullwidth solidus', '..\uff0f..\uff0fcanary.txt'),
  contain('U+2215 division slash', '..\u2215..\u2215canary.txt'),
  contain('U+FE52 small full stop', '\ufe52\ufe52/x'),
  contain('combining overlay on a dot', '.\u0338./x'),
  contain('combining acute on ..', '..\u0301/x'),
  contain('tilde home', '~/canary.txt'),
  contain('tilde user', '~root/.ssh/authorized_keys'),
  contain('four dots', '..../....//x'),
];

const TOOLS = [
  ['read_file', (path: string) => ({ path })],
  ['list_dir', (path: string) => ({ path })],
  ['write_file', (path: string) => ({ path, content: 'ATTACK-WRITE' })],
  ['delete_file', (path: string) => ({ path })],
] as const;

describe(`path attacks (${attacks.length} paths × ${TOOLS.length} tools)`, () => {
  let world: World;
  let h: ModuleHarness;

  beforeEach(async () => {
    world = await createWorld();
    h = await createModuleHarness(filesystem, { config: { base_path: world.base }, agentId: 'agent-a' });
  });

  afterEach(async () => {
    await h.close();
    await world.cleanup();
  });

  it('has at least 50 distinct attack paths', () => {
    expect(new Set(attacks.map((a) => a.name)).size).toBe(attacks.length);
    expect(attacks.length).toBeGreaterThanOrEqual(50);
  });

  it.each(attacks)('$expect: $name', async (attack) => {
    await attack.arrange?.(world);
    const path = attack.path(world);
    const before = await snapshot(world.tmp, world.root);
    const texts: string[] = [];
    for (const [tool, args] of TOOLS) {
      const auditBefore = h.audit.length;
      const result = await h.call(tool, args(path));
      texts.push(result.text);
      // Error text may echo the agent's own input, nothing else from the host.
      expect(result.text.split(path).join(''), tool).not.toContain(world.tmp);
      if (attack.expect === 'refuse') {
        expect(result.isError, `${tool} ${result.text}`).toBe(true);
        expect(result.text).not.toMatch(/failed unexpectedly/);
        const events = h.audit.slice(auditBefore).map((r) => r.event);
        // A write tool announces itself before it runs; its scope check, inside it, then refuses.
        const announced = tool === 'write_file' || tool === 'delete_file' ? ['tool_call_started'] : [];
        expect(events, tool).toEqual([...announced, attack.event ?? 'scope_violation']);
      }
    }
    for (const secret of SECRETS) for (const text of texts) expect(text).not.toContain(secret);
    expect(await snapshot(world.tmp, world.root)).toEqual(before);
    if (attack.expect === 'contain') {
      // The write landed inside agent-a's directory under the literal name (NFC), then delete removed it.
      expect(texts[2]).toBe('true');
      expect(texts[3]).toBe('true');
      expect(await filesWithContent(world.root, 'ATTACK-WRITE')).toEqual([]);
    }
  });

  it.each(attacks.filter((a) => a.expect === 'contain'))(
    'literal name stays inside: $name',
    async (attack) => {
      const path = attack.path(world);
      const before = await snapshot(world.tmp, world.root);
      expect((await h.call('write_file', { path, content: 'ATTACK-WRITE' })).text).toBe('true');
      const written = await filesWithContent(world.root, 'ATTACK-WRITE');
      expect(written).toEqual([
        path
          .normalize('NFC')
          .split('/')
          .filter((s) => s !== '')
          .join('/'),
      ]);
      expect((await h.call('read_file', { path })).text).toBe('ATTACK-WRITE');
      expect(await snapshot(world.tmp, world.root)).toEqual(before);
    },
  );

  it('refuses every tool through a symlink nested in a real subdirectory', async () => {
    await mkdir(join(world.root, 'real'));
    await symlink(world.outside, join(world.root, 'real', 'escape'));
    const before = await snapshot(world.tmp, world.root);
    for (const [tool, args] of TOOLS) {
      expect((await h.call(tool, args('real/escape/dir/x.txt'))).isError).toBe(true);
    }
    expect(await snapshot(world.tmp, world.root)).toEqual(before);
  });
});
