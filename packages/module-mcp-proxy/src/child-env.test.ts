import { describe, expect, it } from 'vitest';
import { childEnvironment } from './child-env.js';

const parent = {
  PATH: '/usr/bin',
  HOME: '/home/op',
  USER: 'op',
  AWS_SECRET_ACCESS_KEY: 'never',
  LANG: 'C.UTF-8',
  SHELL: '() { :; }; echo pwned',
};

describe('childEnvironment', () => {
  it('passes only the safe names by default, never the rest of the parent environment', () => {
    expect(childEnvironment({ env: {}, inherit_env: [], credential_env: [] }, {}, parent)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/op',
      USER: 'op',
    });
  });

  it('adds inherit_env names, credential_env values and env, env winning', () => {
    const env = childEnvironment(
      {
        env: { LANG: 'de_DE.UTF-8', MODE: 'x' },
        inherit_env: ['LANG', 'MISSING'],
        credential_env: ['API_KEY'],
      },
      { API_KEY: 'k-1', OTHER: 'not asked for' },
      parent,
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/op',
      USER: 'op',
      LANG: 'de_DE.UTF-8',
      MODE: 'x',
      API_KEY: 'k-1',
    });
  });

  it('drops exported shell functions even when asked for', () => {
    expect(
      childEnvironment({ env: {}, inherit_env: ['SHELL'], credential_env: [] }, {}, parent).SHELL,
    ).toBeUndefined();
  });
});
