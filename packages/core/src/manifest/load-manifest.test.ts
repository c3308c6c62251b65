// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are manifest text with ${VAR} placeholders.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { loadManifest } from './load-manifest.js';
import { ManifestError } from './manifest-error.js';
import { moduleTypeOf } from './module-type.js';

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
    dir = await mkdtemp(join(tmpdir(), 'smcp-manifest-'));
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
