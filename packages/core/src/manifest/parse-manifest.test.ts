// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are manifest text with ${VAR} placeholders.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { isScopedMcpError } from '../errors/scoped-mcp-error.js';
import { ManifestError } from './manifest-error.js';
import { parseManifest } from './parse-manifest.js';

const MINIMAL = 'agent_type: research\nmodules:\n  fs:\n    config: {base_path: /data}\n';

function failure(text: string, env: NodeJS.ProcessEnv = {}): ManifestError {
  try {
    parseManifest(text, 'm.yml', env);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('parseManifest pipeline', () => {
  it('parses a minimal manifest and fills defaults', () => {
    const { manifest, warnings } = parseManifest(MINIMAL, 'm.yml', {});
    expect(manifest).toEqual({
      agent_type: 'research',
      description: '',
      modules: {
        fs: {
          mode: null,
          type: null,
          config: { base_path: '/data' },
          optional: false,
          dependency_wait_timeout_seconds: 30,
          dependency_wait_interval_seconds: 1,
        },
      },
      credentials: { source: 'env', strict_permissions: true },
      state_backend: { type: 'in_process' },
    });
    for (const absent of [
      'rate_limits',
      'argument_filters',
      'response_filters',
      'hitl',
      'audit',
      'workspace_access',
    ]) {
      expect(Object.hasOwn(manifest, absent), absent).toBe(false);
    }
    expect(warnings).toEqual([]);
  });

  it('accepts JSON, which is YAML', () => {
    const json = JSON.stringify({ agent_type: 'x', modules: { fs: { mode: 'read' } } });
    expect(parseManifest(json, 'm.json', {}).manifest.modules.fs?.mode).toBe('read');
  });

  it('substitutes ${VAR} and ${VAR:-default} before parsing', () => {
    const text =
      'agent_type: ${TYPE}\nmodules:\n  fs:\n    config: {base_path: "${BASE:-/srv/default}", other: "${OTHER}"}\n';
    const { manifest } = parseManifest(text, 'm.yml', { TYPE: 'ops', OTHER: '' });
    expect(manifest.agent_type).toBe('ops');
    expect(manifest.modules.fs?.config).toEqual({ base_path: '/srv/default', other: '' });
  });

  it('reports all undefined variables together, by name only', () => {
    const error = failure(
      '# ${IN_COMMENT}\nagent_type: ${A}\nmodules: {x: {config: {k: "${B}", j: "${A}"}}}\n',
      {
        OTHER: 'v',
      },
    );
    expect(error.code).toBe(ErrorCode.manifestUndefinedVariable);
    expect(error.message).toBe(
      "Manifest 'm.yml' references undefined environment variable(s): IN_COMMENT, A, B",
    );
    expect(error.file).toBe('m.yml');
    expect(error.issues).toHaveLength(3);
    expect(isScopedMcpError(error)).toBe(true);
  });

  it('reports YAML syntax errors by position and code, without echoing the source', () => {
    const error = failure('agent_type: x\nmodules:\n  fs: {mode: read\n', {});
    expect(error.code).toBe(ErrorCode.manifestSyntax);
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues)
      expect(issue).toMatch(/^m\.yml:\d+:\d+: YAML syntax error \([A-Z_]+\)$/);
    expect(error.message).not.toContain('mode: read');
    expect(error.message.startsWith("Manifest 'm.yml' is not valid YAML:\n  - m.yml:")).toBe(true);
  });

  it('rejects duplicate keys', () => {
    const error = failure('agent_type: x\nagent_type: y\nmodules: {fs: {}}\n');
    expect(error.issues).toEqual(['m.yml:2:1: YAML syntax error (DUPLICATE_KEY)']);
  });

  it('reports positions in the file as written, even after a multi-line substitution', () => {
    const text = 'description: "${MULTI}"\nagent_type: x\nagent_type: y\n';
    const error = failure(text, { MULTI: 'a\n  b\n  c\n  d' });
    expect(error.issues).toEqual(['m.yml:3:1: YAML syntax error (DUPLICATE_KEY)']);
  });

  it('rejects several documents, unresolved aliases and unknown tags', () => {
    expect(failure('a: 1\n---\nb: 2\n').issues[0]).toMatch(/\(MULTIPLE_DOCS\)$/);
    expect(failure('agent_type: *nope\n').issues).toEqual(['m.yml: YAML syntax error (UNRESOLVED_ALIAS)']);
    expect(failure('agent_type: x\nmodules: !!python/object:os.system {}\n').issues).toEqual([
      'm.yml:2:10: YAML syntax error (TAG_RESOLVE_FAILED)',
    ]);
  });

  it('bounds alias expansion (billion laughs)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(failure(bomb).issues).toEqual(['m.yml: YAML syntax error (ALIAS_LIMIT)']);
  });

  it('reads booleans and merge keys like PyYAML', () => {
    const text = [
      'agent_type: x',
      'defaults: &d {optional: yes}',
      'modules:',
      '  a: {<<: *d, config: {y: 1, flag: off}}',
      '  b: {optional: No}',
    ].join('\n');
    const error = failure(text);
    // `defaults` is not a manifest field; the merge itself worked.
    expect(error.issues).toEqual(['defaults: unknown key']);
    expect(failure('agent_type: x\nmodules: {a: {<<: [1], mode: read}}\n').issues).toEqual([
      'm.yml: YAML syntax error (BAD_MERGE)',
    ]);
    const merged = parseManifest(
      'agent_type: x\nmodules:\n  a: &d {optional: yes, config: {y: 1, flag: off}}\n  b: {<<: *d, mode: read}\n',
      'm.yml',
      {},
    ).manifest;
    expect(merged.modules.a).toMatchObject({ optional: true, config: { y: 1, flag: false } });
    expect(merged.modules.b).toMatchObject({ optional: true, mode: 'read', config: { y: 1, flag: false } });
  });

  it('requires a mapping at the top level', () => {
    for (const text of ['', '# nothing\n', '- a\n- b\n', 'just text\n', '42\n']) {
      const error = failure(text);
      expect(error.code).toBe(ErrorCode.manifestInvalid);
      expect(error.issues).toEqual(['(top level): must be a mapping (a YAML/JSON object)']);
    }
  });

  it('lists every validation issue, one per line, under a header naming the file', () => {
    const error = failure('agent_type: BAD\nmodules:\n  fs: {mode: admin, confg: {}}\nfoo: 1\n');
    expect(error.code).toBe(ErrorCode.manifestInvalid);
    expect(error.issues).toEqual([
      'agent_type: must be 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit',
      'modules.fs.mode: must be one of read, write',
      "modules.fs.confg: unknown key (did you mean 'config'?)",
      'foo: unknown key',
    ]);
    expect(error.message).toBe(
      `Manifest 'm.yml' is invalid:\n${error.issues.map((i) => `  - ${i}`).join('\n')}`,
    );
  });
});

describe('secrets never appear in manifest errors', () => {
  const CANARY = 'canary-5ecret-Zq81';
  const env = { SECRET: CANARY, SHORT: 'sEc7' };
  const cases: Record<string, string> = {
    'syntax error inside the substituted line':
      'agent_type: x\nmodules: {fs: {config: {token: "${SECRET}"}\n',
    'unquoted substitution breaking the structure':
      'agent_type: x\nmodules:\n  fs: {config: {k: ${SECRET}: x}}\n',
    'as an unknown top-level key': '${SECRET}: 1\nagent_type: x\nmodules: {fs: {}}\n',
    'as an unknown nested key': 'agent_type: x\nmodules: {fs: {"${SECRET}": 1}}\n',
    'as a short unknown key': 'agent_type: x\nmodules: {fs: {"${SHORT}": 1}}\n',
    'as an invalid module key': 'agent_type: x\nmodules: {"bad ${SECRET}": {}}\n',
    'as an invalid agent_type': 'agent_type: "${SECRET}"\nmodules: {fs: {}}\n',
    'as an invalid enum value': 'agent_type: x\nmodules: {fs: {mode: "${SECRET}"}}\n',
    'as an invalid rate spec': 'agent_type: x\nmodules: {fs: {}}\nrate_limits: {global: "${SECRET}"}\n',
    'as a per_tool key with a bad spec':
      'agent_type: x\nmodules: {fs: {}}\nrate_limits: {per_tool: {"${SECRET}.x": nope}}\n',
    'as an invalid regex':
      'agent_type: x\nmodules: {fs: {}}\nargument_filters: [{name: n, pattern: "(${SECRET}"}]\n',
    'as an invalid URL':
      'agent_type: x\nmodules: {fs: {}}\ncredentials: {source: vault, vault: {addr: "${SECRET}", path: p}}\n',
    'as a wrong type': 'agent_type: x\nmodules: {fs: {optional: "${SECRET}"}}\n',
    'as a bad ntfy topic':
      'agent_type: x\nmodules: {fs: {}}\nhitl: {shadow: [a_b], notify: {type: ntfy, topic: "${SECRET} x"}}\n',
    'with a redis password and a cross-field error':
      'agent_type: x\nmodules: {fs: {}}\nstate_backend: {type: in_process, url: "redis://:${SECRET}@h/0"}\nhitl: {approval_required: [fs_*]}\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => {
      const error = failure(text, env);
      for (const piece of [error.message, error.stack ?? '', ...error.issues, String(error.cause ?? '')]) {
        expect(piece).not.toContain(CANARY);
        expect(piece).not.toContain('sEc7');
      }
    });
  }

  it('keeps substituted values out of warnings too', () => {
    const text = 'agent_type: x\nmodules: {fs: {}}\nrate_limits: {per_tool: {"${SECRET}.*": 1/second}}\n';
    const { warnings } = parseManifest(text, 'm.yml', env);
    expect(warnings).toEqual([
      "rate_limits.per_tool['${SECRET}.*']: dotted pattern will never match a tool name (tool names use '_')",
    ]);
  });
});
