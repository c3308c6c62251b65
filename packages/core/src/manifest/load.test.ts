// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are manifest text with ${VAR} placeholders.
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { isScopedMcpError, ManifestError } from '../errors/errors.js';
import { expandVariables, loadManifest, parseManifest } from './load.js';
import { moduleTypeOf } from './schema.js';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

async function loadFailure(path: string, env: NodeJS.ProcessEnv = {}): Promise<ManifestError> {
  try {
    await loadManifest(path, env);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('loadManifest with manifests written for the reference', () => {
  it('loads the README example (dragonfly, (?i) filter, dotted globs) with warnings for the dead patterns', async () => {
    const loaded = await loadManifest(fixture('reference-readme.yml'), { REDIS_PASSWORD: 'pw' });
    expect(loaded.path).toBe(fixture('reference-readme.yml'));
    expect(loaded.dir).toBe(FIXTURES.replace(/\/$/, ''));
    const m = loaded.manifest;
    expect(Object.keys(m.modules)).toEqual(['filesystem', 'sqlite', 'ntfy']);
    expect(m.modules.filesystem).toMatchObject({ mode: 'read', config: { base_path: '/data/agents' } });
    expect(m.modules.ntfy).toMatchObject({
      mode: null,
      config: { topic: 'research-{agent_id}', max_priority: 'high' },
    });
    expect(m.state_backend).toEqual({ type: 'redis', url: 'redis://:pw@host:6379/0' });
    expect(m.rate_limits).toEqual({
      global: '60/minute',
      per_tool: { filesystem_write_file: '10/minute', 'mcp_proxy.*': '30/minute' },
    });
    expect(m.argument_filters).toEqual([
      {
        name: 'no-credentials',
        pattern: '(password|secret|token)\\s*[:=]\\s*\\S+',
        fields: ['path', 'query', 'body'],
        action: 'block',
        decode: ['base64', 'urlsafe_base64', 'url'],
        case_insensitive: true,
      },
    ]);
    expect(m.hitl).toMatchObject({
      approval_required: ['filesystem_delete_*', 'sqlite_execute'],
      shadow: ['mcp_proxy.*'],
      notify: { type: 'ntfy', topic: 'homelab-hitl' },
    });
    expect(loaded.warnings).toEqual([
      "rate_limits.per_tool['mcp_proxy.*']: dotted pattern will never match a tool name (tool names use '_')",
      "hitl.shadow[0]: dotted pattern will never match a tool name (tool names use '_')",
    ]);
  });

  it('refuses the README example verbatim: approvals with in_process state', async () => {
    const error = await loadFailure(fixture('reference-readme-in-process-hitl.yml'));
    expect(error.code).toBe(ErrorCode.manifestInvalid);
    expect(error.issues).toEqual([
      "hitl.approval_required: needs a shared state backend (state_backend.type: redis), because 'scoped-mcp hitl approve' runs in another process",
    ]);
    expect(
      error.message.startsWith(`Manifest '${fixture('reference-readme-in-process-hitl.yml')}' is invalid:`),
    ).toBe(true);
  });

  it('loads platform metadata (workspace_access, interaction_permissions, max_auto_risk)', async () => {
    const { manifest } = await loadManifest(fixture('reference-platform-metadata.yml'), {});
    expect(manifest.max_auto_risk).toBe('medium');
    expect(manifest.interaction_permissions).toEqual({
      auto_approved: ['build', 'ops'],
      needs_approval: ['deploy'],
    });
    expect(manifest.workspace_access).toEqual([
      { path: '/srv/agents/research-01', access: 'readwrite', git_backed: true, branch_required: true },
      { path: '/srv/shared/reference', access: 'readonly', git_backed: false, branch_required: false },
    ]);
  });

  it('loads response filters written under audit:', async () => {
    const { manifest, warnings } = await loadManifest(fixture('reference-audit-response-filters.yml'), {});
    expect(manifest.response_filters?.map((r) => [r.name, r.action, r.case_insensitive])).toEqual([
      ['aws-keys', 'redact', false],
      ['private-key', 'block', true],
      ['internal-host', 'warn', false],
    ]);
    expect(manifest.audit).toEqual({
      agent_bus_emit: true,
      agent_bus_comms_dir: '~/comms',
      log_args: false,
      otel_service_name: 'build-agents',
      head_every_lines: 1000,
      max_args_bytes: 16384,
    });
    expect(warnings).toEqual([
      'audit.response_filters: accepted for compatibility; prefer the top-level response_filters',
    ]);
  });

  it('loads several mcp_proxy instances, header substitution and vault credentials', async () => {
    const { manifest } = await loadManifest(fixture('reference-proxy-vault.yml'), {
      MEMSEARCH_API_TOKEN: 'tok',
    });
    const entries = Object.entries(manifest.modules);
    expect(entries.map(([key, entry]) => [key, moduleTypeOf(key, entry)])).toEqual([
      ['memsearch-mcp', 'mcp_proxy'],
      ['task-queue', 'mcp_proxy'],
      ['agent-bus', 'mcp_proxy'],
    ]);
    expect(manifest.modules['memsearch-mcp']?.config).toEqual({
      url: 'http://localhost:8493/mcp',
      headers: { Authorization: 'Bearer tok' },
    });
    expect(manifest.modules['task-queue']).toMatchObject({
      optional: true,
      dependency_wait_timeout_seconds: 10,
      dependency_wait_interval_seconds: 0.5,
    });
    expect(manifest.modules['agent-bus']?.mode).toBeNull();
    expect(manifest.credentials).toMatchObject({
      source: 'vault',
      vault: { kv_version: 2, path: 'secret/data/scoped-mcp/{agent_type}' },
    });
    expect(manifest.hitl).toMatchObject({
      mode: 'interactive',
      timeout_seconds: 600,
      notify: { type: 'matrix', room: '!ops:example.org' },
    });
  });

  it('loads a JSON manifest with ${VAR:-default}', async () => {
    const { manifest } = await loadManifest(fixture('reference-json.json'), {});
    expect(manifest.modules.filesystem?.config).toEqual({ base_path: '/data/agents' });
    expect(manifest.modules.slack_webhook?.config).toEqual({});
    expect(manifest.credentials).toEqual({ source: 'file', path: 'secrets.yml', strict_permissions: false });
    expect(manifest.rate_limits).toEqual({ per_tool: {} });
  });

  it('lists the undefined variables of a fixture together', async () => {
    const error = await loadFailure(fixture('reference-proxy-vault.yml'));
    expect(error.code).toBe(ErrorCode.manifestUndefinedVariable);
    expect(error.message).toBe(
      `Manifest '${fixture('reference-proxy-vault.yml')}' references undefined environment variable(s): MEMSEARCH_API_TOKEN`,
    );
  });
});

describe('loadManifest file handling', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'smcp-manifest-')));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the path when the file does not exist', async () => {
    const missing = join(dir, 'nope.yml');
    const error = await loadFailure(missing);
    expect(error.code).toBe(ErrorCode.manifestNotFound);
    expect(error.message).toBe(`Manifest file not found: ${missing}`);
    expect(error.file).toBe(missing);
  });

  it('refuses a directory and an unreadable file', async () => {
    expect((await loadFailure(dir)).message).toBe(`Manifest '${dir}' is a directory, not a file`);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.yml');
      await writeFile(locked, 'agent_type: x\n');
      await chmod(locked, 0o000);
      expect((await loadFailure(locked)).message).toBe(
        `Manifest '${locked}' cannot be read (permission denied)`,
      );
    }
  });

  it('resolves a relative path to absolute path and directory, keeping the given name in messages', async () => {
    const file = join(dir, 'agent.yml');
    await writeFile(file, 'agent_type: x\nmodules: {fs: {}}\n');
    const given = relative(process.cwd(), file);
    const loaded = await loadManifest(given, {});
    expect(loaded.path).toBe(file);
    expect(loaded.dir).toBe(dir);
    await writeFile(file, 'agent_type: x\nmodules: {fs: {mode: bad}}\n');
    expect((await loadFailure(given)).message).toBe(
      `Manifest '${given}' is invalid:\n  - modules.fs.mode: must be one of read, write`,
    );
  });

  it('resolves a manifest reached through symbolic links to its real path and directory', async () => {
    const real = join(dir, 'operator');
    await mkdir(real);
    await writeFile(join(real, 'agent.yml'), 'agent_type: x\nmodules: {fs: {}}\n');
    await mkdir(join(dir, 'workspace'));
    await symlink(join(real, 'agent.yml'), join(dir, 'workspace', 'agent.yml'));
    await symlink(join(dir, 'workspace'), join(dir, 'linked-dir'));
    for (const given of [join(dir, 'workspace', 'agent.yml'), join(dir, 'linked-dir', 'agent.yml')]) {
      const loaded = await loadManifest(given, {});
      expect(loaded.path).toBe(join(real, 'agent.yml'));
      expect(loaded.dir).toBe(real);
    }
    // Messages keep naming the file as it was given.
    await symlink(join(real, 'missing.yml'), join(dir, 'dangling.yml'));
    expect((await loadFailure(join(dir, 'dangling.yml'))).message).toBe(
      `Manifest file not found: ${join(dir, 'dangling.yml')}`,
    );
  });

  it('keeps a substituted secret out of every message, whatever breaks', async () => {
    const canary = 'CANARY-8f3a1c-do-not-print';
    const file = join(dir, 'agent.yml');
    const variants = [
      'agent_type: x\nmodules: {fs: {config: {password: ${SECRET}}}}\nbroken: [\n',
      'agent_type: "${SECRET}"\nmodules: {fs: {}}\n',
      'agent_type: x\nmodules: {"${SECRET} x": {}}\n',
      'agent_type: x\nmodules: {fs: {}}\nstate_backend: {type: redis, url: "redis://:${SECRET}@h/0", extra: 1}\n',
    ];
    for (const text of variants) {
      await writeFile(file, text);
      const error = await loadFailure(file, { SECRET: canary });
      expect(`${error.message}\n${error.issues.join('\n')}\n${error.stack}`).not.toContain(canary);
    }
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    const file = join(dir, 'bom.yml');
    await writeFile(file, '\uFEFFagent_type: x\nmodules: {fs: {}}\n');
    expect((await loadManifest(file, {})).manifest.agent_type).toBe('x');
  });
});

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
      limits: {
        max_message_bytes: 10 * 1024 * 1024,
        max_calls_in_flight: 16,
        max_queued_calls: 64,
        max_argument_depth: 64,
      },
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
    // A comment is not a value: `${IN_COMMENT}` is neither expanded nor required.
    expect(error.message).toBe("Manifest 'm.yml' references undefined environment variable(s): A, B");
    expect(error.file).toBe('m.yml');
    expect(error.issues).toHaveLength(2);
    expect(isScopedMcpError(error)).toBe(true);
  });

  it('reports YAML syntax errors by position and code, without echoing the source', () => {
    const error = failure('agent_type: x\nmodules:\n  fs: {mode: read\n', {});
    expect(error.code).toBe(ErrorCode.manifestSyntax);
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) expect(issue).toMatch(/^m\.yml:\d+:\d+: .+ \([A-Z_]+\)$/);
    expect(error.message).not.toContain('mode: read');
    expect(error.message.startsWith("Manifest 'm.yml' is not valid YAML:\n  - m.yml:")).toBe(true);
  });

  // The mistakes people make most, each named at the line to change, in words, without quoting the text.
  it.each([
    [
      'a tab as indentation',
      'agent_type: x\nmodules:\n\tfs:\n',
      ['m.yml:3:1: a tab indents this line; YAML indents with spaces only (TAB_AS_INDENT)'],
    ],
    [
      'a key indented deeper than its siblings',
      'agent_type: x\nmodules:\n  fs:\n    mode: read\n     config: {}\n',
      [
        'm.yml:5:6: this line is indented deeper than the keys above it, so YAML reads it as part of the value on the line before: indent it like its siblings (BLOCK_AS_IMPLICIT_KEY)',
      ],
    ],
    [
      'a key indented less than its siblings',
      'agent_type: x\nmodules:\n  fs:\n    config: {}\n   db:\n    config: {}\n',
      [
        'm.yml:5:1: this line is not lined up with the lines above it at the same level: indent it by the same number of spaces (BAD_INDENT)',
      ],
    ],
    [
      'a missing colon after a key',
      'agent_type: x\nmodules:\n  filesystem\n    config: {}\n',
      [
        "m.yml:3:3: this line has no ':' after its key, so YAML reads the lines below it as part of the key: write 'key:' (MULTILINE_IMPLICIT_KEY)",
      ],
    ],
  ])('names the line and the mistake for %s', (_name, text, issues) => {
    const error = failure(text, {});
    expect(error.code).toBe(ErrorCode.manifestSyntax);
    expect(error.issues).toEqual(issues);
  });

  it('rejects duplicate keys', () => {
    const error = failure('agent_type: x\nagent_type: y\nmodules: {fs: {}}\n');
    expect(error.issues).toEqual([
      'm.yml:2:1: this key appears twice at the same level: each key may appear once (DUPLICATE_KEY)',
    ]);
  });

  it('reports positions in the file as written, even after a multi-line substitution', () => {
    const text = 'description: "${MULTI}"\nagent_type: x\nagent_type: y\n';
    const error = failure(text, { MULTI: 'a\n  b\n  c\n  d' });
    expect(error.issues).toEqual([
      'm.yml:3:1: this key appears twice at the same level: each key may appear once (DUPLICATE_KEY)',
    ]);
  });

  it('rejects several documents, unresolved aliases and unknown tags', () => {
    expect(failure('a: 1\n---\nb: 2\n').issues[0]).toMatch(/\(MULTIPLE_DOCS\)$/);
    expect(failure('agent_type: *nope\n').issues).toEqual([
      'm.yml: an alias (*name) refers to no anchor (&name) defined before it (UNRESOLVED_ALIAS)',
    ]);
    expect(failure('agent_type: x\nmodules: !!python/object:os.system {}\n').issues).toEqual([
      'm.yml:2:10: YAML tags (!!type) are not allowed (TAG_RESOLVE_FAILED)',
    ]);
  });

  it('bounds alias expansion (billion laughs)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(failure(bomb).issues).toEqual(['m.yml: aliases (*name) expand to too much data (ALIAS_LIMIT)']);
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
      'm.yml: a merge key (<<) must name a mapping or a list of mappings (BAD_MERGE)',
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
    const text = 'agent_type: x\nmodules: {fs: {}}\nhitl: {shadow: ["${SECRET}.*"]}\n';
    const { warnings } = parseManifest(text, 'm.yml', env);
    expect(warnings).toEqual([
      "hitl.shadow[0]: dotted pattern will never match a tool name (tool names use '_')",
    ]);
  });

  it('refuses ${VAR} in a key by its path, without the value (keys are structure)', () => {
    const text = 'agent_type: x\nmodules: {fs: {}}\nrate_limits: {per_tool: {"${SECRET}.*": 1/second}}\n';
    const error = failure(text, env);
    expect(error.code).toBe(ErrorCode.manifestInvalid);
    expect(error.issues).toEqual([
      "rate_limits.per_tool['${SECRET}.*']: a key cannot use ${VAR} substitution (only values are substituted)",
    ]);
    expect(`${error.message}\n${error.stack}`).not.toContain(CANARY);
  });
});

describe('${VAR} substitution: into parsed values, never into the text', () => {
  const REPRODUCED = [
    'agent_type: research',
    'modules:',
    '  filesystem:',
    '    mode: read',
    '    config:',
    '      base_path: "${DATA}"',
    '',
  ].join('\n');

  it('a value cannot add structure: the reproduced injection stays one string', () => {
    const DATA = 'x"\n  sqlite:\n    mode: write\n    config: {db_dir: /tmp/planted}\n  #';
    const { manifest } = parseManifest(REPRODUCED, 'm.yml', { DATA });
    expect(Object.keys(manifest.modules)).toEqual(['filesystem']);
    expect(manifest.modules.filesystem).toMatchObject({ mode: 'read', config: { base_path: DATA } });
  });

  const NASTY = [
    'pa"ss\'word',
    'back\\slash\\n not a newline',
    'line one\nline two\n',
    'has # a hash',
    'key: value',
    '{ flow: map }',
    '[a, b]',
    '&anchor *alias !!python/object ---',
    '  leading and trailing  ',
    '\ttab\r\n',
    '%TAG ! x',
    '- item',
    'ünïcødé ✓ 😀',
    '"',
    "'",
    '${NOT_A_VAR_INSIDE}',
  ];
  const SITES: Record<string, (name: string) => string> = {
    'double-quoted': (name) => `"\${${name}}"`,
    'single-quoted': (name) => `'\${${name}}'`,
    plain: (name) => `\${${name}}`,
    'block literal': (name) => `|-\n        \${${name}}`,
  };
  for (const [site, write] of Object.entries(SITES)) {
    it(`a credential arrives byte for byte (${site})`, () => {
      NASTY.forEach((value, i) => {
        const text = `agent_type: x\nmodules:\n  m:\n    config:\n      v: ${write('CRED')}\n`;
        const { manifest } = parseManifest(text, 'm.yml', { CRED: value });
        expect(manifest.modules.m?.config.v, `value ${i}`).toBe(value);
      });
    });
  }

  it('keeps partial substitution, defaults and several variables in one scalar', () => {
    const text =
      'agent_type: x\nmodules:\n  m:\n    config:\n      a: ${BASE}/files\n      b: "${U}:${P}@${H:-host}"\n';
    const { manifest } = parseManifest(text, 'm.yml', { BASE: '/srv/x y', U: 'u"', P: 'p#:' });
    expect(manifest.modules.m?.config).toEqual({ a: '/srv/x y/files', b: 'u":p#:@host' });
  });

  it('gives a plain ${VAR} the scalar type YAML gives its value alone; quoted stays a string', () => {
    const text = [
      'agent_type: x',
      'modules:',
      '  m:',
      '    optional: ${OPT}',
      '    dependency_wait_timeout_seconds: ${WAIT}',
      '    config:',
      '      n: ${N}',
      '      q: "${N}"',
      '      nul: ${NUL}',
      '      list: ${LIST}',
      '      spaced: ${SPACED}',
      '      c: ${COMMENT}',
      '',
    ].join('\n');
    const { manifest } = parseManifest(text, 'm.yml', {
      OPT: 'yes',
      WAIT: '2.5',
      N: '0123',
      NUL: '~',
      LIST: '[a, b]',
      SPACED: ' 7',
      COMMENT: '8 # c',
    });
    expect(manifest.modules.m).toMatchObject({ optional: true, dependency_wait_timeout_seconds: 2.5 });
    expect(manifest.modules.m?.config).toEqual({
      n: 123,
      q: '0123',
      nul: null,
      list: '[a, b]',
      spaced: ' 7',
      c: '8 # c',
    });
  });

  it('substitutes through anchors and merge keys', () => {
    const text = 'agent_type: x\nmodules:\n  a: &d {config: {k: "${K}"}}\n  b: {<<: *d, mode: read}\n';
    const { manifest } = parseManifest(text, 'm.yml', { K: 'v: 1' });
    expect(manifest.modules.a?.config).toEqual({ k: 'v: 1' });
    expect(manifest.modules.b?.config).toEqual({ k: 'v: 1' });
  });

  it('hints at quoting when an unquoted ${VAR} breaks a flow mapping', () => {
    const error = failure('agent_type: x\nmodules: {fs: {config: {base_path: ${BASE}/files}}}\n', {
      BASE: '/srv',
    });
    expect(error.code).toBe(ErrorCode.manifestSyntax);
    expect(error.issues.at(-1)).toBe(
      'm.yml:2: hint: an unquoted ${VAR} inside { } or [ ] is not valid YAML; quote the value ("${VAR}")',
    );
  });

  it('leaves comments alone: a ${VAR} there is neither expanded nor required', () => {
    const text = '# uses ${NOT_SET}\nagent_type: x # ${ALSO_NOT_SET}\nmodules: {fs: {}}\n';
    expect(parseManifest(text, 'm.yml', {}).manifest.agent_type).toBe('x');
  });

  it('refuses ${VAR} in keys at any depth, naming each path', () => {
    const text = [
      'agent_type: x',
      'modules:',
      '  ${MOD}: {}',
      '  fs: {config: {headers: {"${H}": v}}}',
      'argument_filters: [{name: n, pattern: p, "${F}": 1}]',
      '',
    ].join('\n');
    const error = failure(text, { MOD: 'sqlite', H: 'Authorization', F: 'fields' });
    expect(error.issues).toEqual([
      "modules['${MOD}']: a key cannot use ${VAR} substitution (only values are substituted)",
      "modules.fs.config.headers['${H}']: a key cannot use ${VAR} substitution (only values are substituted)",
      "argument_filters[0]['${F}']: a key cannot use ${VAR} substitution (only values are substituted)",
    ]);
  });
});

describe('expandVariables', () => {
  it('expands the braced form only and leaves $VAR literal', () => {
    const r = expandVariables('a: ${A}\nb: $A\nc: "${A}-${B}"\n', { A: 'x', B: 'y' });
    expect(r.text).toBe('a: x\nb: $A\nc: "x-y"\n');
    expect(r.missing).toEqual([]);
  });

  it('collects every undefined name once, in order of first use', () => {
    const r = expandVariables('${B} ${A} ${B} ${C:-d} ${A}', {});
    expect(r.missing).toEqual(['B', 'A']);
  });

  it('treats an empty value as defined for ${VAR}', () => {
    const r = expandVariables('x${E}y', { E: '' });
    expect(r.text).toBe('xy');
    expect(r.missing).toEqual([]);
  });

  it('uses the default of ${VAR:-default} when VAR is unset or empty', () => {
    expect(expandVariables('${X:-d1}', {}).text).toBe('d1');
    expect(expandVariables('${X:-d1}', { X: '' }).text).toBe('d1');
    expect(expandVariables('${X:-d1}', { X: 'set' }).text).toBe('set');
    expect(expandVariables('${X:-}', {}).text).toBe('');
    expect(expandVariables('${X:-redis://h:1/0}', {}).text).toBe('redis://h:1/0');
  });

  it('leaves names that do not match the variable grammar alone', () => {
    const text = '${1X} ${A-B} ${ A } ${} ${A.B}';
    const r = expandVariables(text, { A: 'no' });
    expect(r.text).toBe(text);
    expect(r.missing).toEqual([]);
  });

  it('does not read inherited properties of the env object', () => {
    expect(expandVariables('${constructor} ${toString}', {}).missing).toEqual(['constructor', 'toString']);
  });

  it('records substituted env values but not defaults', () => {
    const r = expandVariables('${A} ${B:-fallback} ${C:-x}', { A: 'secret-a', C: 'secret-c' });
    expect([...r.substituted]).toEqual([
      ['A', 'secret-a'],
      ['C', 'secret-c'],
    ]);
  });

  it('puts a value in as it is: `$` patterns in it are not special', () => {
    expect(expandVariables('${A}', { A: "$& $1 $$ $' ${B}" }).text).toBe("$& $1 $$ $' ${B}");
  });
});
