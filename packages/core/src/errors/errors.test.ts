import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeName, ERRORS, ErrorCode, type ErrorCodeValue } from './codes.js';
import { ERROR_META_KEY, errorMeta, readErrorMeta } from './error-meta.js';
import * as errors from './errors.js';
import { isScopedMcpError, type ScopedMcpError } from './errors.js';

// The error table (codes.ts) is the one place codes are defined: each has a class that raises it (checked by
// raising it), a row in docs/errors.md, and a consistent name.

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** One way to raise each code. A code added to the table without one does not compile. */
const RAISE: { readonly [Code in ErrorCodeValue]: () => ScopedMcpError } = {
  SMCP_IDENTITY_MISSING: () => new errors.IdentityError('SMCP_IDENTITY_MISSING', 'AGENT_ID is not set'),
  SMCP_IDENTITY_INVALID: () => new errors.IdentityError('SMCP_IDENTITY_INVALID', 'AGENT_ID is malformed'),
  SMCP_MANIFEST_NOT_FOUND: () =>
    new errors.ManifestError('SMCP_MANIFEST_NOT_FOUND', 'm.yml', ['m.yml: file not found']),
  SMCP_MANIFEST_SYNTAX: () => new errors.ManifestError('SMCP_MANIFEST_SYNTAX', 'm.yml', ['line 1']),
  SMCP_MANIFEST_INVALID: () =>
    new errors.ManifestError('SMCP_MANIFEST_INVALID', 'm.yml', ['modules: required']),
  SMCP_MANIFEST_UNDEFINED_VARIABLE: () =>
    new errors.ManifestError('SMCP_MANIFEST_UNDEFINED_VARIABLE', 'm.yml', [
      'X: environment variable is not set',
    ]),
  SMCP_LOADER_NOT_FOUND: () => new errors.PluginLoadError('not_found', 'not installed'),
  SMCP_LOADER_INCOMPATIBLE: () => new errors.PluginLoadError('incompatible', 'peer range'),
  SMCP_LOADER_INVALID: () => new errors.PluginLoadError('invalid', 'no brand'),
  SMCP_LOADER_IMPORT_FAILED: () => new errors.PluginLoadError('import_failed', 'threw'),
  SMCP_MODULE_DEFINITION: () => new errors.ModuleDefinitionError("module name 'X' must be snake_case"),
  SMCP_MODULE_CONFIG_INVALID: () => new errors.ModuleConfigError('unknown placeholder {x}'),
  SMCP_CREDENTIALS_MISSING: () => new errors.CredentialsError('SMCP_CREDENTIALS_MISSING', 'needs KEY'),
  SMCP_CREDENTIALS_SOURCE: () => new errors.CredentialsError('SMCP_CREDENTIALS_SOURCE', 'unreadable'),
  SMCP_STATE_UNAVAILABLE: () => new errors.StateUnavailableError(),
  SMCP_STATE_BACKEND_FAILED: () => new errors.StateBackendError('connection refused'),
  SMCP_STATE_CONFIG_INVALID: () => new errors.StateBackendError('bad url', 'SMCP_STATE_CONFIG_INVALID'),
  SMCP_AUDIT_UNAVAILABLE: () => new errors.AuditUnavailableError(false),
  SMCP_SCOPE_VIOLATION: () => new errors.ScopeViolation('outside'),
  SMCP_TOOL_INPUT: () => new errors.ToolInputError('bad input'),
  SMCP_TOOL_FAILED: () => new errors.ToolFailure('backend said no'),
  SMCP_TOOL_FAILED_UNEXPECTEDLY: () => new errors.UnexpectedFailure('fs_read', '0123abcd'),
  SMCP_TOOL_NOT_FOUND: () => new errors.ToolNotFoundError('nope'),
  SMCP_TOOL_OUTPUT_INVALID: () => new errors.ToolOutputError('fs_read', 'result: expected string'),
  SMCP_LIMIT_EXCEEDED: () => new errors.LimitExceededError('too big', { name: 'max_rows', value: 5 }),
  SMCP_RATE_LIMITED: () =>
    new errors.RateLimitError({
      limitType: 'global',
      tool: 'fs_read',
      agentId: 'a',
      limit: 3,
      windowSeconds: 60,
      retryAfterMs: 4_210,
    }),
  SMCP_SERVER_BUSY: () => new errors.ServerBusyError(16, 64),
  SMCP_MESSAGE_TOO_LARGE: () => new errors.MessageTooLargeError(20_000_000, 10_485_760),
  SMCP_POLICY_BLOCKED: () => new errors.PolicyError('fs_read', 'argument'),
  SMCP_HITL_APPROVAL_REQUIRED: () =>
    new errors.HitlApprovalRequired({
      tool: 'fs_write',
      approvalId: 'a.0123456789ab',
      approveCommand: 'scoped-mcp hitl --manifest /m.yml approve a.0123456789ab',
      tokenTtlSeconds: 120,
    }),
  SMCP_HITL_REJECTED: () => new errors.HitlRejected('fs_write', 'a.0123456789ab'),
  SMCP_HITL_NOTIFY_FAILED: () => new errors.NotifyError('HTTP 500'),
  SMCP_UPSTREAM_START_FAILED: () => new errors.UpstreamError('SMCP_UPSTREAM_START_FAILED', 'did not start'),
  SMCP_UPSTREAM_TOOL_COLLISION: () => new errors.UpstreamError('SMCP_UPSTREAM_TOOL_COLLISION', 'both'),
  SMCP_UPSTREAM_PIN_LOCK_INVALID: () => new errors.UpstreamError('SMCP_UPSTREAM_PIN_LOCK_INVALID', 'bad'),
  SMCP_UPSTREAM_UNAVAILABLE: () => new errors.UpstreamError('SMCP_UPSTREAM_UNAVAILABLE', 'restarting'),
  SMCP_UPSTREAM_ERROR: () => new errors.UpstreamError('SMCP_UPSTREAM_ERROR', 'answered with an error'),
  SMCP_STARTUP_FAILED: () => new errors.StartupError(['a problem']),
  SMCP_STARTUP_SETUP_TIMEOUT: () => new errors.SetupTimeoutError(30_000),
};

const CODES = Object.keys(ERRORS) as ErrorCodeValue[];

/** Every class errors.ts exports, by name. */
const CLASSES = new Map(
  Object.entries(errors as Record<string, unknown>).filter(
    (entry): entry is [string, new (...args: never[]) => ScopedMcpError] =>
      typeof entry[1] === 'function' && entry[1].prototype instanceof Error,
  ),
);

describe('the error table', () => {
  it.each(CODES)('%s is raised by the class its row names', (code) => {
    const error = RAISE[code]();
    const row = ERRORS[code];
    expect(error.code).toBe(code);
    expect(error.name).toBe(row.class);
    expect(error).toBeInstanceOf(CLASSES.get(row.class) ?? Symbol);
    expect(isScopedMcpError(error)).toBe(true);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('names only classes that exist, and every class raises a code', () => {
    const named = new Set<string>(CODES.map((code) => ERRORS[code].class));
    expect([...named].filter((name) => !CLASSES.has(name))).toEqual([]);
    const unused = [...CLASSES.keys()].filter((name) => name !== 'ScopedMcpError' && !named.has(name));
    expect(unused).toEqual([]);
  });

  it('names codes SMCP_<AREA>_<WHAT>, and ErrorCode names each by its camelCase', () => {
    for (const code of CODES) expect(code).toMatch(/^SMCP_[A-Z]+(_[A-Z]+)+$/);
    expect(Object.values(ErrorCode).sort()).toEqual([...CODES].sort());
    for (const [name, code] of Object.entries(ErrorCode)) expect(codeName(code)).toBe(name);
    expect(ErrorCode.loaderNotFound).toBe('SMCP_LOADER_NOT_FOUND');
    expect(ErrorCode.toolFailedUnexpectedly).toBe('SMCP_TOOL_FAILED_UNEXPECTEDLY');
  });

  it('has a row in docs/errors.md for every code, naming the same class, and no row for any other', () => {
    const rows = new Map<string, string>();
    for (const line of readFileSync(join(REPO, 'docs/errors.md'), 'utf8').split('\n')) {
      const match = /^\| `(SMCP_[A-Z_]+)` \| `([A-Za-z]+)` \|/.exec(line);
      if (match) rows.set(match[1] as string, match[2] as string);
    }
    expect([...rows.keys()].sort()).toEqual([...CODES].sort());
    for (const code of CODES) expect(rows.get(code), code).toBe(ERRORS[code].class);
  });
});

describe('error details for the agent', () => {
  it('carry what applies: a retry time, an approval id, a limit, a reference', () => {
    expect(errorMeta(RAISE.SMCP_RATE_LIMITED())).toEqual({
      code: 'SMCP_RATE_LIMITED',
      retry_after_ms: 4_210,
    });
    expect(errorMeta(RAISE.SMCP_HITL_APPROVAL_REQUIRED())).toEqual({
      code: 'SMCP_HITL_APPROVAL_REQUIRED',
      approval_id: 'a.0123456789ab',
    });
    expect(errorMeta(RAISE.SMCP_LIMIT_EXCEEDED())).toEqual({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'max_rows', value: 5 },
    });
    expect(errorMeta(RAISE.SMCP_TOOL_FAILED_UNEXPECTEDLY())).toEqual({
      code: 'SMCP_TOOL_FAILED_UNEXPECTEDLY',
      ref: '0123abcd',
    });
    expect(errorMeta(RAISE.SMCP_TOOL_INPUT())).toEqual({ code: 'SMCP_TOOL_INPUT' });
  });

  it('gives no retry time for a rate limit of zero, which never frees a slot', () => {
    const disabled = new errors.RateLimitError({
      limitType: 'per_tool',
      tool: 'fs_read',
      agentId: 'a',
      limit: 0,
      windowSeconds: 60,
      retryAfterMs: 60_000,
    });
    expect(errorMeta(disabled)).toEqual({ code: 'SMCP_RATE_LIMITED' });
    expect(disabled.message).toContain('do not retry');
  });

  it('are read back from a result, and nothing else is taken for them', () => {
    const meta = errorMeta(RAISE.SMCP_HITL_REJECTED());
    expect(readErrorMeta({ content: [], isError: true, _meta: { [ERROR_META_KEY]: meta } })).toEqual(meta);
    for (const result of [
      undefined,
      null,
      'text',
      {},
      { _meta: null },
      { _meta: { [ERROR_META_KEY]: 'x' } },
    ]) {
      expect(readErrorMeta(result)).toBeUndefined();
    }
    expect(readErrorMeta({ _meta: { [ERROR_META_KEY]: { approval_id: 'x' } } })).toBeUndefined();
  });

  it('are frozen, so one error cannot change what another reports', () => {
    const error = RAISE.SMCP_LIMIT_EXCEEDED();
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(Object.isFrozen(RAISE.SMCP_TOOL_INPUT().details)).toBe(true);
  });
});

describe('error classes in the repository', () => {
  /** Source files of every package and app, tests and fixtures aside. */
  function sources(dir: string): string[] {
    const out: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'dist', '__fixtures__'].includes(entry.name)) out.push(...sources(path));
      } else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
        out.push(path);
      }
    }
    return out;
  }

  it("extend a plain Error only in core's errors/ (elsewhere they extend a class with a code)", () => {
    const roots = ['packages', 'apps'].flatMap((top) =>
      readdirSync(join(REPO, top), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(REPO, top, entry.name, 'src')),
    );
    const offending: string[] = [];
    for (const root of roots) {
      let files: string[];
      try {
        files = sources(root);
      } catch {
        continue;
      }
      for (const file of files) {
        const where = relative(REPO, file);
        if (where.startsWith(join('packages', 'core', 'src', 'errors'))) continue;
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/class\s+(\w+)\s+extends\s+(\w*Error)\b/g)) {
          if (!CLASSES.has(match[2] as string)) offending.push(`${where}: ${match[1]} extends ${match[2]}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
