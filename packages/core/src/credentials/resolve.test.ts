import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/errors.js';
import { resolveCredentials } from './resolve.js';
import { type CredentialSource, credentialSourceFromMap, envCredentialSource } from './sources.js';

const env = {
  NTFY_URL: 'https://ntfy.example/very-secret-topic',
  NTFY_TOKEN: 'tk_ntfy_secret_value',
  SMTP_PORT: '587',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/secret',
  EMPTY_OPT: '',
};

function thrown(fn: () => unknown): ScopedMcpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScopedMcpError) return error;
    throw error;
  }
  throw new Error('expected a ScopedMcpError');
}

describe('resolveCredentials', () => {
  it('gives each instance only the keys it declared', () => {
    const { byInstance } = resolveCredentials(envCredentialSource(env), [
      { instance: 'ntfy', required: ['NTFY_URL'], optional: ['NTFY_TOKEN'] },
      { instance: 'slack', required: ['SLACK_WEBHOOK_URL'], optional: [] },
      { instance: 'filesystem', required: [], optional: [] },
    ]);
    expect(byInstance.get('ntfy')).toEqual({ NTFY_URL: env.NTFY_URL, NTFY_TOKEN: env.NTFY_TOKEN });
    expect(byInstance.get('slack')).toEqual({ SLACK_WEBHOOK_URL: env.SLACK_WEBHOOK_URL });
    expect(byInstance.get('filesystem')).toEqual({});
    expect(Object.isFrozen(byInstance.get('ntfy'))).toBe(true);
  });

  it('never asks the source for an undeclared key', () => {
    const asked: string[] = [];
    const source: CredentialSource = {
      kind: 'spy',
      lookup: (key) => {
        asked.push(key);
        return `value-of-${key}`;
      },
    };
    resolveCredentials(source, [{ instance: 'a', required: ['A'], optional: ['A', 'B'] }]);
    expect(asked).toEqual(['A', 'B']);
  });

  it('omits absent optional keys and keeps empty ones', () => {
    const { byInstance } = resolveCredentials(envCredentialSource(env), [
      { instance: 'x', required: [], optional: ['NOT_SET', 'EMPTY_OPT'] },
    ]);
    expect(byInstance.get('x')).toEqual({ EMPTY_OPT: '' });
    expect(Object.hasOwn(byInstance.get('x') ?? {}, 'NOT_SET')).toBe(false);
  });

  it('lists every missing required key of every instance in one error, without values', () => {
    const error = thrown(() =>
      resolveCredentials(envCredentialSource(env), [
        { instance: 'ntfy', required: ['NTFY_URL', 'NTFY_USER'], optional: ['NTFY_TOKEN'] },
        { instance: 'ok', required: ['SMTP_PORT'], optional: [] },
        { instance: 'smtp', required: ['SMTP_HOST', 'SMTP_PORT', 'SMTP_PASSWORD'], optional: [] },
      ]),
    );
    expect(error.code).toBe(ErrorCode.credentialsMissing);
    expect(error.message).toBe(
      'Missing required credential(s): modules.ntfy needs NTFY_USER; modules.smtp needs SMTP_HOST, SMTP_PASSWORD (source: env)',
    );
    for (const value of Object.values(env).filter(Boolean)) expect(error.message).not.toContain(value);
  });

  it('names the source in the error', () => {
    const source = credentialSourceFromMap({}, { kind: 'file', description: 'file /run/secrets/a.yml' });
    expect(
      thrown(() => resolveCredentials(source, [{ instance: 'm', required: ['K'], optional: [] }])).message,
    ).toBe('Missing required credential(s): modules.m needs K (source: file /run/secrets/a.yml)');
  });

  it('returns every distinct non-empty resolved value as a secret, longest first', () => {
    const { secrets } = resolveCredentials(envCredentialSource({ ...env, SAME: env.SMTP_PORT }), [
      { instance: 'a', required: ['NTFY_URL', 'SMTP_PORT'], optional: ['EMPTY_OPT'] },
      { instance: 'b', required: ['SAME'], optional: ['NTFY_TOKEN'] },
    ]);
    expect(secrets).toEqual([env.NTFY_URL, env.NTFY_TOKEN, '587']);
  });

  it('ignores non-string answers of a custom source and keeps odd key names as plain data', () => {
    const source: CredentialSource = {
      kind: 'odd',
      lookup: (key) => (key === '__proto__' ? 'polluted' : (42 as unknown as string)),
    };
    const { byInstance } = resolveCredentials(source, [
      { instance: 'a', required: [], optional: ['__proto__', 'N'] },
    ]);
    const record = byInstance.get('a') ?? {};
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('credentialSourceFromMap', () => {
  it('answers from a copy of the bundle (the shape a Vault source takes)', () => {
    const bundle = new Map([['TOKEN', 't']]);
    const source = credentialSourceFromMap(bundle, {
      kind: 'vault',
      description: 'vault kv/agents/research',
      warnings: ['w'],
    });
    bundle.set('TOKEN', 'changed');
    expect(source.lookup('TOKEN')).toBe('t');
    expect(source.lookup('toString')).toBeUndefined();
    expect(source.kind).toBe('vault');
    expect(source.warnings).toEqual(['w']);
  });
});
