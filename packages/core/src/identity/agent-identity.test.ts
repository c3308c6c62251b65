import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { isScopedMcpError } from '../errors/errors.js';
import { resolveIdentity } from './agent-identity.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function refusal(env: NodeJS.ProcessEnv): { code: string; message: string } {
  try {
    resolveIdentity(env);
  } catch (error) {
    expect(isScopedMcpError(error)).toBe(true);
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('resolveIdentity', () => {
  it.each([
    'agent/bad',
    '../escape',
    'agent with space',
    'UPPERCASE',
    '-leadinghyphen',
    'a'.repeat(64),
    'bad.id',
    'bad_id',
    '.',
    '..',
    'a\0b',
    'a\nb',
  ])('rejects AGENT_ID %j', (id) => {
    const { code, message } = refusal({ AGENT_ID: id, AGENT_TYPE: 'research' });
    expect(code).toBe(ErrorCode.identityInvalid);
    expect(message).toContain('AGENT_ID');
    expect(message).not.toContain('AGENT_TYPE');
  });

  it.each(['research/pipeline', 'has space', 'UPPERCASE', '-leadinghyphen', 'a'.repeat(64), 'a.b'])(
    'rejects AGENT_TYPE %j',
    (type) => {
      const { code, message } = refusal({ AGENT_ID: 'agent-1', AGENT_TYPE: type });
      expect(code).toBe(ErrorCode.identityInvalid);
      expect(message).toContain('AGENT_TYPE');
      expect(message).not.toContain('AGENT_ID');
    },
  );

  it.each(['a', '01-agent', 'a'.repeat(63), 'research-01'])('accepts AGENT_ID %j', (id) => {
    expect(resolveIdentity({ AGENT_ID: id, AGENT_TYPE: 'research' }).id).toBe(id);
  });

  it.each(['a', 'build_pipeline', 'research', 'a'.repeat(63), '0-x_y'])('accepts AGENT_TYPE %j', (type) => {
    expect(resolveIdentity({ AGENT_ID: 'agent-1', AGENT_TYPE: type }).type).toBe(type);
  });

  it('lists both missing variables together', () => {
    const { code, message } = refusal({});
    expect(code).toBe(ErrorCode.identityMissing);
    expect(message).toContain('AGENT_ID, AGENT_TYPE');
  });

  it('treats blank values as missing and names only the missing one', () => {
    const onlyType = refusal({ AGENT_ID: '   ', AGENT_TYPE: 'research' });
    expect(onlyType.code).toBe(ErrorCode.identityMissing);
    expect(onlyType.message).toContain('AGENT_ID');
    expect(onlyType.message).not.toMatch(/not set: .*AGENT_TYPE/);
    const onlyId = refusal({ AGENT_ID: 'agent-1', AGENT_TYPE: '' });
    expect(onlyId.message).toMatch(/not set: AGENT_TYPE\./);
  });

  it('reports an invalid id and an invalid type in one error', () => {
    const { message } = refusal({ AGENT_ID: 'Bad', AGENT_TYPE: 'Bad/type' });
    expect(message).toContain('AGENT_ID');
    expect(message).toContain('AGENT_TYPE');
  });

  it('does not quote an over-long value', () => {
    const long = `x${'Y'.repeat(200)}`;
    const { message } = refusal({ AGENT_ID: long, AGENT_TYPE: 'research' });
    expect(message).not.toContain('YYYYYYYY');
    expect(message).toContain('201 characters');
  });

  it('trims surrounding whitespace', () => {
    const identity = resolveIdentity({ AGENT_ID: '  agent-1\n', AGENT_TYPE: '\tresearch ' });
    expect(identity.id).toBe('agent-1');
    expect(identity.type).toBe('research');
  });

  it('makes a v4 session id that differs on each call', () => {
    const env = { AGENT_ID: 'agent-1', AGENT_TYPE: 'research' };
    const first = resolveIdentity(env);
    const second = resolveIdentity(env);
    expect(first.sessionId).toMatch(UUID_V4);
    expect(second.sessionId).toMatch(UUID_V4);
    expect(first.sessionId).not.toBe(second.sessionId);
  });

  it('returns a frozen identity', () => {
    const identity = resolveIdentity({ AGENT_ID: 'agent-1', AGENT_TYPE: 'research' });
    expect(Object.isFrozen(identity)).toBe(true);
    expect(() => {
      (identity as { id: string }).id = '../other';
    }).toThrow(TypeError);
  });

  it('reads process.env by default', () => {
    const saved = { id: process.env.AGENT_ID, type: process.env.AGENT_TYPE };
    process.env.AGENT_ID = 'from-env';
    process.env.AGENT_TYPE = 'env_type';
    try {
      expect(resolveIdentity()).toMatchObject({ id: 'from-env', type: 'env_type' });
    } finally {
      if (saved.id === undefined) delete process.env.AGENT_ID;
      else process.env.AGENT_ID = saved.id;
      if (saved.type === undefined) delete process.env.AGENT_TYPE;
      else process.env.AGENT_TYPE = saved.type;
    }
  });
});
