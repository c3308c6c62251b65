import { describe, expect, it } from 'vitest';
import { ManifestError } from '../errors/errors.js';
import { parseManifest } from './load.js';

type Json = Record<string, unknown>;

const base = (): Json => ({ agent_type: 'research', modules: { fs: { config: { base_path: '/data' } } } });

/** Parses a manifest given as an object (JSON is YAML), merged over a minimal valid one. */
function load(extra: Json) {
  return parseManifest(JSON.stringify({ ...base(), ...extra }), 'm.yml', {}).manifest;
}

function issues(extra: Json): readonly string[] {
  try {
    load(extra);
  } catch (error) {
    if (error instanceof ManifestError) return error.issues;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

/** A manifest using every block, to reach each nested object. */
const full = (): Json => ({
  agent_type: 'ops',
  description: 'everything',
  modules: { fs: { mode: 'write', type: 'filesystem', config: { base_path: '/d' }, optional: false } },
  credentials: { source: 'vault', vault: { addr: 'https://vault:8200', path: 'kv/{agent_type}' } },
  state_backend: { type: 'redis', url: 'redis://127.0.0.1:6379/0', key_prefix: 'smcp' },
  limits: { max_calls_in_flight: 8 },
  rate_limits: { global: '60/minute', per_tool: { 'fs_*': '5/second' } },
  argument_filters: [{ name: 'a', pattern: 'x' }],
  response_filters: [{ name: 'r', pattern: 'y' }],
  hitl: {
    approval_required: ['fs_write_*'],
    shadow: [],
    notify: { type: 'log' },
    signing: { mode: 'off' },
  },
  audit: { log_args: true },
  max_auto_risk: 'low',
  interaction_permissions: { auto_approved: [], needs_approval: [] },
  workspace_access: [{ path: '/w', access: 'readonly' }],
});

describe('manifest schema: top level', () => {
  it('loads a manifest using every block', () => {
    const m = parseManifest(JSON.stringify(full()), 'm.yml', {}).manifest;
    expect(m.state_backend).toEqual({ type: 'redis', url: 'redis://127.0.0.1:6379/0', key_prefix: 'smcp' });
    expect(m.credentials).toEqual({
      source: 'vault',
      strict_permissions: true,
      vault: {
        addr: 'https://vault:8200',
        auth: 'approle',
        role_id_env: 'VAULT_ROLE_ID',
        secret_id_env: 'VAULT_SECRET_ID',
        path: 'kv/{agent_type}',
        kv_version: 2,
      },
    });
  });

  it('requires agent_type and modules', () => {
    expect(issues({ agent_type: undefined, modules: undefined })).toEqual([
      'agent_type: required',
      'modules: required',
    ]);
  });

  it('holds agent_type to the identity pattern', () => {
    for (const ok of ['a', '01-agent', 'build_pipeline', 'a'.repeat(63)])
      expect(load({ agent_type: ok }).agent_type).toBe(ok);
    for (const bad of ['UPPER', '-lead', 'has space', 'a/b', 'a'.repeat(64), '']) {
      expect(issues({ agent_type: bad })).toEqual([
        'agent_type: must be 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit',
      ]);
    }
    expect(issues({ agent_type: 7 })).toEqual(['agent_type: must be a string (got a number)']);
  });

  it('needs at least one module, in a mapping', () => {
    expect(issues({ modules: {} })).toEqual(['modules: must declare at least one module']);
    expect(issues({ modules: ['fs'] })).toEqual(['modules: must be a mapping (got a list)']);
    expect(issues({ modules: null })).toEqual(['modules: must be a mapping (got null)']);
  });

  it('rejects unknown top-level keys, suggesting the intended one', () => {
    expect(issues({ foo: 1 })).toEqual(['foo: unknown key']);
    expect(issues({ agentType: 'x' })).toEqual(["agentType: unknown key (did you mean 'agent_type'?)"]);
    expect(issues({ rate_limit: {} })).toEqual(["rate_limit: unknown key (did you mean 'rate_limits'?)"]);
    expect(issues({ hilt: {} })).toEqual(["hilt: unknown key (did you mean 'hitl'?)"]);
    expect(issues({ __proto__x: 1 })).toEqual(['__proto__x: unknown key']);
  });

  it('treats a null optional block as absent and description null as empty', () => {
    const m = load({
      rate_limits: null,
      hitl: null,
      audit: null,
      description: null,
      credentials: null,
      state_backend: null,
    });
    expect(Object.hasOwn(m, 'rate_limits')).toBe(false);
    expect(Object.hasOwn(m, 'hitl')).toBe(false);
    expect(m.description).toBe('');
    expect(m.credentials).toEqual({ source: 'env', strict_permissions: true });
    expect(m.state_backend).toEqual({ type: 'in_process' });
  });
});

describe('manifest schema: unknown keys at every level', () => {
  const objectPaths: (string | number)[][] = [
    [],
    ['modules', 'fs'],
    ['credentials'],
    ['credentials', 'vault'],
    ['state_backend'],
    ['limits'],
    ['rate_limits'],
    ['argument_filters', 0],
    ['response_filters', 0],
    ['hitl'],
    ['hitl', 'notify'],
    ['hitl', 'signing'],
    ['audit'],
    ['interaction_permissions'],
    ['workspace_access', 0],
  ];
  for (const path of objectPaths) {
    const label = path.length === 0 ? '(top level)' : path.join('.');
    it(`rejects an unknown key in ${label}`, () => {
      const manifest = full();
      let target: Json = manifest;
      for (const segment of path) target = (target as Record<string | number, Json>)[segment] as Json;
      target.bogus_key = true;
      const expected = [...path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)), '.bogus_key']
        .join('')
        .replace(/^\./, '');
      expect(parseManifestIssues(manifest)).toEqual([`${expected}: unknown key`]);
    });
  }

  it('suggests the nearest key inside nested blocks', () => {
    const manifest = full();
    (manifest.modules as Record<string, Json>).fs = { confg: {} };
    (manifest.hitl as Json).notfy = { type: 'log' };
    (manifest.audit as Json).log_arg = false;
    expect(parseManifestIssues(manifest)).toEqual([
      "modules.fs.confg: unknown key (did you mean 'config'?)",
      "hitl.notfy: unknown key (did you mean 'notify'?)",
      "audit.log_arg: unknown key (did you mean 'log_args'?)",
    ]);
  });
});

function parseManifestIssues(manifest: Json): readonly string[] {
  try {
    parseManifest(JSON.stringify(manifest), 'm.yml', {});
  } catch (error) {
    if (error instanceof ManifestError) return error.issues;
    throw error;
  }
  return [];
}

describe('manifest schema: modules', () => {
  it('fills entry defaults and keeps config unvalidated', () => {
    const m = load({ modules: { fs: { config: { anything: [1, { x: 2 }] } } } });
    expect(m.modules.fs).toEqual({
      mode: null,
      type: null,
      config: { anything: [1, { x: 2 }] },
      optional: false,
      dependency_wait_timeout_seconds: 30,
      dependency_wait_interval_seconds: 1,
    });
  });

  it('normalises mode "" to null and accepts read, write and null', () => {
    expect(load({ modules: { a: { mode: '' } } }).modules.a?.mode).toBeNull();
    expect(load({ modules: { a: { mode: null } } }).modules.a?.mode).toBeNull();
    expect(load({ modules: { a: { mode: 'read' } } }).modules.a?.mode).toBe('read');
    expect(load({ modules: { a: { mode: 'write' } } }).modules.a?.mode).toBe('write');
    expect(issues({ modules: { a: { mode: 'admin' } } })).toEqual([
      'modules.a.mode: must be one of read, write',
    ]);
    expect(issues({ modules: { a: { mode: 'READ' } } })).toEqual([
      'modules.a.mode: must be one of read, write',
    ]);
  });

  it('accepts an empty entry and a null config', () => {
    const text = 'agent_type: x\nmodules:\n  slack_webhook:\n  fs:\n    config:\n';
    const m = parseManifest(text, 'm.yml', {}).manifest;
    expect(m.modules.slack_webhook).toMatchObject({ mode: null, type: null, config: {} });
    expect(m.modules.fs?.config).toEqual({});
  });

  it('validates entry field types', () => {
    expect(issues({ modules: { a: { config: [1] } } })).toEqual([
      'modules.a.config: must be a mapping (got a list)',
    ]);
    expect(issues({ modules: { a: { config: 'x' } } })).toEqual([
      'modules.a.config: must be a mapping (got a string)',
    ]);
    expect(issues({ modules: { a: { type: '' } } })).toEqual(['modules.a.type: must not be empty']);
    expect(issues({ modules: { a: { type: 3 } } })).toEqual([
      'modules.a.type: must be a string (got a number)',
    ]);
    expect(issues({ modules: { a: { optional: 'maybe' } } })).toEqual([
      'modules.a.optional: must be true or false (got a string)',
    ]);
    expect(issues({ modules: { a: { dependency_wait_timeout_seconds: '30' } } })).toEqual([
      'modules.a.dependency_wait_timeout_seconds: must be a number (got a string)',
    ]);
    expect(issues({ modules: { a: { dependency_wait_interval_seconds: 0 } } })).toEqual([
      'modules.a.dependency_wait_interval_seconds: must be > 0',
    ]);
    expect(issues({ modules: { a: 'fs' } })).toEqual(['modules.a: must be a mapping (got a string)']);
  });

  it('allows a non-positive dependency wait timeout (disables the gate)', () => {
    expect(
      load({ modules: { a: { dependency_wait_timeout_seconds: 0 } } }).modules.a
        ?.dependency_wait_timeout_seconds,
    ).toBe(0);
    expect(
      load({ modules: { a: { dependency_wait_timeout_seconds: -1 } } }).modules.a
        ?.dependency_wait_timeout_seconds,
    ).toBe(-1);
  });

  it('requires keys that are valid tool-name prefixes', () => {
    const m = load({ modules: { 'task-queue': {}, '01fs': {}, A_b: {}, ['k'.repeat(64)]: {} } });
    expect(Object.keys(m.modules)).toEqual(['task-queue', '01fs', 'A_b', 'k'.repeat(64)]);
    const reason =
      'must be 1-64 characters of A-Z, a-z, 0-9, _ and -, starting with a letter or digit (it prefixes tool names)';
    expect(issues({ modules: { 'bad key': {} } })).toEqual([`modules['bad key']: invalid key: ${reason}`]);
    expect(issues({ modules: { _x: {} } })).toEqual([`modules._x: invalid key: ${reason}`]);
    expect(issues({ modules: { 'a.b': {} } })).toEqual([`modules['a.b']: invalid key: ${reason}`]);
    expect(issues({ modules: { ['k'.repeat(65)]: {} } })).toHaveLength(1);
  });
});

describe('manifest schema: credentials', () => {
  it('defaults to env with strict permissions', () => {
    expect(load({}).credentials).toEqual({ source: 'env', strict_permissions: true });
  });

  it('needs a path for the file source', () => {
    expect(
      load({ credentials: { source: 'file', path: 's.yml', strict_permissions: false } }).credentials,
    ).toEqual({
      source: 'file',
      path: 's.yml',
      strict_permissions: false,
    });
    expect(issues({ credentials: { source: 'file' } })).toEqual([
      "credentials.path: required when source is 'file'",
    ]);
    expect(issues({ credentials: { source: 'file', path: '' } })).toEqual([
      'credentials.path: must not be empty',
    ]);
  });

  it('needs a vault block for the vault source, with its own rules', () => {
    expect(issues({ credentials: { source: 'vault' } })).toEqual([
      "credentials.vault: required when source is 'vault'",
    ]);
    expect(issues({ credentials: { source: 'vault', vault: {} } })).toEqual([
      'credentials.vault.addr: required',
      'credentials.vault.path: required',
    ]);
    const vault = { addr: 'https://v:8200', path: 'kv/x' };
    expect(issues({ credentials: { source: 'vault', vault: { ...vault, kv_version: 3 } } })).toEqual([
      'credentials.vault.kv_version: must be one of 1, 2',
    ]);
    expect(issues({ credentials: { source: 'vault', vault: { ...vault, auth: 'token' } } })).toEqual([
      'credentials.vault.auth: must be approle',
    ]);
    expect(issues({ credentials: { source: 'vault', vault: { ...vault, addr: 'vault:8200' } } })).toEqual([
      'credentials.vault.addr: must be an http:// or https:// URL',
    ]);
    expect(issues({ credentials: { source: 'vault', vault: { ...vault, path: 'kv/../other' } } })).toEqual([
      "credentials.vault.path: must not contain '..'",
    ]);
    expect(
      issues({ credentials: { source: 'vault', vault: { ...vault, role_id_env: 'bad-name' } } }),
    ).toEqual([
      'credentials.vault.role_id_env: must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)',
    ]);
    const m = load({
      credentials: { source: 'vault', vault: { ...vault, kv_version: 1, secret_id_env: 'MY_SECRET_ID' } },
    });
    expect(m.credentials).toMatchObject({
      source: 'vault',
      vault: { kv_version: 1, secret_id_env: 'MY_SECRET_ID' },
    });
  });

  it('rejects unknown sources and wrong types', () => {
    expect(issues({ credentials: { source: 'aws' } })).toEqual([
      'credentials.source: must be one of env, file, vault',
    ]);
    expect(issues({ credentials: { strict_permissions: 'no way' } })).toEqual([
      'credentials.strict_permissions: must be true or false (got a string)',
    ]);
  });
});

describe('manifest schema: state_backend', () => {
  it('maps dragonfly to redis and requires a url for both', () => {
    expect(load({ state_backend: { type: 'dragonfly', url: 'redis://h:6379/0' } }).state_backend).toEqual({
      type: 'redis',
      url: 'redis://h:6379/0',
    });
    expect(issues({ state_backend: { type: 'redis' } })).toEqual([
      "state_backend.url: required when type is 'redis'",
    ]);
    expect(issues({ state_backend: { type: 'dragonfly' } })).toEqual([
      "state_backend.url: required when type is 'dragonfly'",
    ]);
  });

  it('validates type and key_prefix', () => {
    expect(issues({ state_backend: { type: 'memcached' } })).toEqual([
      'state_backend.type: must be one of in_process, redis, dragonfly',
    ]);
    expect(issues({ state_backend: { key_prefix: 'has space' } })).toEqual([
      'state_backend.key_prefix: must be 1-64 characters of A-Z, a-z, 0-9, _, :, . and -',
    ]);
    expect(load({ state_backend: { key_prefix: 'team-a:' } }).state_backend).toEqual({
      type: 'in_process',
      key_prefix: 'team-a:',
    });
  });
});

describe('manifest schema: limits', () => {
  const DEFAULTS = {
    max_message_bytes: 10 * 1024 * 1024,
    max_calls_in_flight: 16,
    max_queued_calls: 64,
    max_argument_depth: 64,
  };

  it('fills every limit with its default, whether the block is absent, null or partial', () => {
    expect(load({}).limits).toEqual(DEFAULTS);
    expect(load({ limits: null }).limits).toEqual(DEFAULTS);
    expect(load({ limits: { max_queued_calls: 0, max_argument_depth: 8 } }).limits).toEqual({
      ...DEFAULTS,
      max_queued_calls: 0,
      max_argument_depth: 8,
    });
    expect(Object.isFrozen(load({}).limits)).toBe(true);
  });

  it('refuses nonsense values, naming the field and the bounds', () => {
    expect(
      issues({
        limits: {
          max_message_bytes: 1000,
          max_calls_in_flight: 0,
          max_queued_calls: -1,
          max_argument_depth: 1.5,
        },
      }),
    ).toEqual([
      'limits.max_message_bytes: must be a whole number from 65536 to 268435456',
      'limits.max_calls_in_flight: must be a whole number from 1 to 1024',
      'limits.max_queued_calls: must be a whole number from 0 to 10000',
      'limits.max_argument_depth: must be a whole number from 1 to 1000',
    ]);
    expect(issues({ limits: { max_calls_in_flight: '16' } })).toEqual([
      'limits.max_calls_in_flight: must be a whole number from 1 to 1024',
    ]);
    expect(issues({ limits: { max_argument_depth: 5000 } })).toEqual([
      'limits.max_argument_depth: must be a whole number from 1 to 1000',
    ]);
  });
});

describe('manifest schema: rate_limits', () => {
  it('keeps the block absent when absent, and present when empty', () => {
    expect(Object.hasOwn(load({}), 'rate_limits')).toBe(false);
    expect(load({ rate_limits: {} }).rate_limits).toEqual({ per_tool: {} });
  });

  it('accepts N/second|minute|hour and keeps per_tool in manifest order', () => {
    const m = load({
      rate_limits: { global: '0/minute', per_tool: { 'z_*': '1/second', a_b: '2/hour', 'm*': '3/minute' } },
    });
    expect(m.rate_limits?.global).toBe('0/minute');
    expect(Object.keys(m.rate_limits?.per_tool ?? {})).toEqual(['z_*', 'a_b', 'm*']);
  });

  it('rejects other spellings', () => {
    for (const bad of ['60/min', '60 / minute', 'sixty/minute', '60/minutes', '-1/second', '60/Minute', '']) {
      expect(issues({ rate_limits: { global: bad } }), bad).toEqual([
        "rate_limits.global: must be '<N>/second|minute|hour'",
      ]);
    }
    expect(issues({ rate_limits: { global: 60 } })).toEqual([
      'rate_limits.global: must be a string (got a number)',
    ]);
    expect(issues({ rate_limits: { per_tool: { 'mcp_proxy.*': '30/min', fs_read: 'x' } } })).toEqual([
      "rate_limits.per_tool['mcp_proxy.*']: must be '<N>/second|minute|hour'",
      "rate_limits.per_tool.fs_read: must be '<N>/second|minute|hour'",
    ]);
  });
});

describe('manifest schema: argument_filters and response_filters', () => {
  it('fills rule defaults and turns a leading (?i) into case_insensitive', () => {
    const m = load({
      argument_filters: [{ name: 'a', pattern: '(?i)secret' }],
      response_filters: [{ name: 'r', pattern: 'tok', case_insensitive: true }],
    });
    expect(m.argument_filters).toEqual([
      { name: 'a', pattern: 'secret', fields: ['*'], action: 'block', decode: [], case_insensitive: true },
    ]);
    expect(m.response_filters).toEqual([
      { name: 'r', pattern: 'tok', action: 'warn', decode: [], case_insensitive: true },
    ]);
  });

  it('validates every rule field', () => {
    expect(
      issues({
        argument_filters: [
          { pattern: 'x' },
          { name: 'b', pattern: '(unclosed', fields: [], action: 'redact', decode: ['rot13'] },
          { name: 'c', pattern: '(?s)a.b', case_insensitive: 'yes' },
        ],
      }),
    ).toEqual([
      'argument_filters[0].name: required',
      'argument_filters[1].pattern: is not a valid regular expression (Unterminated group)',
      "argument_filters[1].fields: must not be empty (use ['*'] for every argument)",
      'argument_filters[1].action: must be one of block, warn',
      'argument_filters[1].decode[0]: must be one of base64, urlsafe_base64, url',
      "argument_filters[2].pattern: uses the inline flag group '(?s)'; only a leading '(?i)' is supported (or set case_insensitive: true)",
      'argument_filters[2].case_insensitive: must be true or false (got a string)',
    ]);
    expect(issues({ response_filters: [{ name: 'r', pattern: 'x', action: 'drop' }] })).toEqual([
      'response_filters[0].action: must be one of block, warn, redact',
    ]);
    expect(issues({ argument_filters: { name: 'a' } })).toEqual([
      'argument_filters: must be a list (got a mapping)',
    ]);
  });

  it('rejects two rules with one name', () => {
    expect(
      issues({
        argument_filters: [
          { name: 'a', pattern: 'x' },
          { name: 'a', pattern: 'y' },
        ],
      }),
    ).toEqual(['argument_filters[1].name: duplicate rule name (also used by rule 0)']);
  });

  it('moves audit.response_filters to the top level', () => {
    const m = load({
      audit: { log_args: false, response_filters: [{ name: 'r', pattern: 'x', action: 'redact' }] },
    });
    expect(m.response_filters).toEqual([
      { name: 'r', pattern: 'x', action: 'redact', decode: [], case_insensitive: false },
    ]);
    expect(m.audit).toEqual({
      agent_bus_emit: false,
      log_args: false,
      otel_service_name: 'scoped-mcp',
      head_every_lines: 1000,
      max_args_bytes: 16384,
    });
    expect(
      issues({
        response_filters: [{ name: 'a', pattern: 'x' }],
        audit: { response_filters: [{ name: 'b', pattern: 'y' }] },
      }),
    ).toEqual([
      'audit.response_filters: cannot be used together with the top-level response_filters; move these rules there',
    ]);
    expect(issues({ audit: { response_filters: [{ name: 'b', pattern: '\\Z' }] } })[0]).toMatch(
      /^audit\.response_filters\[0\]\.pattern: uses the escape '\\Z'/,
    );
  });
});

describe('manifest schema: hitl', () => {
  const redis = { type: 'redis', url: 'redis://h/0' };

  it('fills defaults', () => {
    expect(load({ hitl: { shadow: ['fs_*'] } }).hitl).toEqual({
      approval_required: [],
      shadow: ['fs_*'],
      timeout_seconds: 300,
      notify: { type: 'log' },
      mode: 'enforce',
      signing: { mode: 'off' },
      max_argument_bytes: 65_536,
    });
  });

  it('bounds the arguments an operator is asked to approve', () => {
    expect(load({ hitl: { max_argument_bytes: 1024 } }).hitl?.max_argument_bytes).toBe(1024);
    expect(issues({ hitl: { max_argument_bytes: 0 } })).toEqual(['hitl.max_argument_bytes: must be >= 1']);
    expect(issues({ hitl: { max_argument_bytes: 1.5 } })).toEqual([
      'hitl.max_argument_bytes: must be a whole number of bytes',
    ]);
    expect(issues({ hitl: { max_argument_bytes: 16 * 1024 * 1024 + 1 } })).toEqual([
      'hitl.max_argument_bytes: must be <= 16777216 (16 MiB)',
    ]);
  });

  it('needs a shared state backend for approvals, but not for shadowing', () => {
    expect(issues({ hitl: { approval_required: ['fs_*'] } })).toEqual([
      "hitl.approval_required: needs a shared state backend (state_backend.type: redis), because 'scoped-mcp hitl approve' runs in another process",
    ]);
    expect(
      load({ hitl: { approval_required: ['fs_*'] }, state_backend: redis }).hitl?.approval_required,
    ).toEqual(['fs_*']);
    expect(load({ hitl: { shadow: ['fs_*'] } }).hitl?.shadow).toEqual(['fs_*']);
  });

  it('validates timeout and mode', () => {
    expect(issues({ hitl: { timeout_seconds: 0 } })).toEqual(['hitl.timeout_seconds: must be > 0']);
    expect(issues({ hitl: { timeout_seconds: 1.5 } })).toEqual([
      'hitl.timeout_seconds: must be a whole number of seconds',
    ]);
    expect(issues({ hitl: { mode: 'auto' } })).toEqual(['hitl.mode: must be one of enforce, interactive']);
    expect(issues({ hitl: { shadow: 'fs_*' } })).toEqual(['hitl.shadow: must be a list (got a string)']);
    expect(issues({ hitl: { shadow: [''] } })).toEqual(['hitl.shadow[0]: must not be empty']);
  });

  it('requires the field each notifier needs', () => {
    expect(issues({ hitl: { notify: { type: 'ntfy' } } })).toEqual([
      "hitl.notify.topic: required when type is 'ntfy'",
    ]);
    expect(issues({ hitl: { notify: { type: 'webhook' } } })).toEqual([
      "hitl.notify.url: required when type is 'webhook'",
    ]);
    expect(issues({ hitl: { notify: { type: 'matrix' } } })).toEqual([
      "hitl.notify.room: required when type is 'matrix'",
    ]);
    expect(issues({ hitl: { notify: { type: 'email' } } })).toEqual([
      'hitl.notify.type: must be one of log, ntfy, webhook, matrix, slack_webhook, discord_webhook',
    ]);
    expect(
      load({ hitl: { notify: { type: 'ntfy', topic: 'ops_1', url: 'https://ntfy.example' } } }).hitl?.notify,
    ).toEqual({
      type: 'ntfy',
      topic: 'ops_1',
      url: 'https://ntfy.example',
    });
    expect(load({ hitl: { notify: { type: 'matrix', room: '#ops:example.org' } } }).hitl?.notify).toEqual({
      type: 'matrix',
      room: '#ops:example.org',
    });
    expect(load({ hitl: { notify: { type: 'webhook', url: 'http://hooks.local/x' } } }).hitl?.notify).toEqual(
      {
        type: 'webhook',
        url: 'http://hooks.local/x',
      },
    );
  });

  it('validates notifier field formats', () => {
    expect(issues({ hitl: { notify: { type: 'ntfy', topic: 'has space' } } })).toEqual([
      'hitl.notify.topic: must be 1-64 characters of A-Z, a-z, 0-9, _ and -',
    ]);
    expect(issues({ hitl: { notify: { type: 'ntfy', topic: 't'.repeat(65) } } })).toHaveLength(1);
    expect(issues({ hitl: { notify: { type: 'matrix', room: 'ops' } } })).toEqual([
      "hitl.notify.room: must be a Matrix room id or alias such as '!abc:example.org'",
    ]);
    expect(issues({ hitl: { notify: { type: 'webhook', url: 'ftp://x' } } })).toEqual([
      'hitl.notify.url: must be an http:// or https:// URL',
    ]);
  });

  it('validates signing', () => {
    expect(issues({ hitl: { signing: { mode: 'enforce' } } })).toEqual([
      "hitl.signing.public_key_path: required when mode is 'enforce'",
    ]);
    expect(
      load({ hitl: { signing: { mode: 'observe', public_key_path: 'k.pem', approve_command: 'approve' } } })
        .hitl?.signing,
    ).toEqual({ mode: 'observe', public_key_path: 'k.pem', approve_command: 'approve' });
  });

  it('explains an unquoted off read as false by YAML', () => {
    const text = 'agent_type: x\nmodules: {fs: {}}\nhitl:\n  signing:\n    mode: off\n';
    let caught: unknown;
    try {
      parseManifest(text, 'm.yml', {});
    } catch (error) {
      caught = error;
    }
    expect((caught as ManifestError).issues).toEqual([
      'hitl.signing.mode: must be one of off, observe, enforce (quote the value: YAML reads yes/no/on/off as true/false)',
    ]);
    expect(
      parseManifest(text.replace('mode: off', 'mode: "off"'), 'm.yml', {}).manifest.hitl?.signing.mode,
    ).toBe('off');
  });
});

describe('manifest schema: audit and platform metadata', () => {
  it('fills audit defaults and requires a comms dir when emitting', () => {
    expect(load({ audit: {} }).audit).toEqual({
      agent_bus_emit: false,
      log_args: true,
      otel_service_name: 'scoped-mcp',
      head_every_lines: 1000,
      max_args_bytes: 16384,
    });
    expect(load({ audit: { chain_key: 'AUDIT_CHAIN_KEY' } }).audit?.chain_key).toBe('AUDIT_CHAIN_KEY');
    expect(issues({ audit: { max_args_bytes: 10 } })).toEqual(['audit.max_args_bytes: must be >= 256']);
    expect(issues({ audit: { agent_bus_emit: true } })).toEqual([
      'audit.agent_bus_comms_dir: required when agent_bus_emit is true',
    ]);
    expect(
      load({ audit: { agent_bus_emit: true, agent_bus_comms_dir: '~/c' } }).audit?.agent_bus_comms_dir,
    ).toBe('~/c');
    expect(issues({ audit: { otel_service_name: '' } })).toEqual([
      'audit.otel_service_name: must not be empty',
    ]);
  });

  it('validates and keeps platform metadata', () => {
    const m = load({
      max_auto_risk: 'medium',
      interaction_permissions: { auto_approved: ['build'] },
      workspace_access: [{ path: '/w', access: 'readwrite', git_backed: true }],
    });
    expect(m.max_auto_risk).toBe('medium');
    expect(m.interaction_permissions).toEqual({ auto_approved: ['build'], needs_approval: [] });
    expect(m.workspace_access).toEqual([
      { path: '/w', access: 'readwrite', git_backed: true, branch_required: false },
    ]);
    expect(issues({ workspace_access: [{ path: '/w', access: 'write' }] })).toEqual([
      'workspace_access[0].access: must be one of readonly, readwrite',
    ]);
    expect(issues({ workspace_access: [{ access: 'readonly' }] })).toEqual([
      'workspace_access[0].path: required',
    ]);
    expect(issues({ max_auto_risk: 3 })).toEqual(['max_auto_risk: must be a string (got a number)']);
    expect(issues({ interaction_permissions: { auto_approved: 'build' } })).toEqual([
      'interaction_permissions.auto_approved: must be a list (got a string)',
    ]);
  });
});
