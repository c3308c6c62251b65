import { describe, expect, it } from 'vitest';
import { createSanitizer, isSensitiveKey } from './sanitize.js';

const GH = `ghp_${'A1b2C3d4E5'.repeat(3)}`;
const HEX40 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const SMTP_PASSWORD = 'n0t-so-S3cret!';

describe('createSanitizer().sanitize', () => {
  const sanitizer = createSanitizer({ secrets: [SMTP_PASSWORD, '587'] });

  it('returns a typical call unchanged (and as a copy)', () => {
    const args = { path: 'notes/a.txt', content: 'hello\nworld', append: false, lines: [1, 2, 3] };
    const out = sanitizer.sanitize(args);
    expect(out).toEqual(args);
    expect(out).not.toBe(args);
    expect((out as typeof args).lines).not.toBe(args.lines);
  });

  it('redacts values under sensitive keys at any depth, whatever their type', () => {
    const out = sanitizer.sanitize({
      password: 'x',
      headers: { Authorization: 'Basic Zm9vOmJhcg==', 'X-Api-Key': 42, Cookie: ['a', 'b'] },
      list: [{ refresh_token: { nested: true } }, { GITHUB_TOKEN: null }],
      session_id: 'keep-me',
      sort_key: 'name',
    });
    expect(out).toEqual({
      password: '<redacted>',
      headers: { Authorization: '<redacted>', 'X-Api-Key': '<redacted>', Cookie: '<redacted>' },
      list: [{ refresh_token: '<redacted>' }, { GITHUB_TOKEN: '<redacted>' }],
      session_id: 'keep-me',
      sort_key: '<redacted>',
    });
  });

  it('redacts token patterns in nested objects and arrays', () => {
    const out = sanitizer.sanitize({
      a: { b: { c: [`see ${GH}`, [`commit ${HEX40}`]] } },
      d: `Authorization: Bearer ${JWT}`,
      e: 'https://bob:pw@example.com/',
      f: 'AKIAIOSFODNN7EXAMPLE',
    });
    expect(out).toEqual({
      a: { b: { c: ['see <redacted-gh-token>', ['commit <redacted-hex>']] } },
      d: 'Authorization: Bearer <redacted-jwt>',
      e: 'https://<redacted>@example.com/',
      f: '<redacted-aws-key-id>',
    });
  });

  it('redacts held secrets and their encodings anywhere, but not short or numeric ones', () => {
    const out = sanitizer.sanitize({
      body: `password is ${SMTP_PASSWORD}, port 587`,
      url: `https://api/x?pw=${encodeURIComponent(SMTP_PASSWORD)}`,
      json: JSON.stringify({ pw: SMTP_PASSWORD }),
      b64: Buffer.from(`user:${SMTP_PASSWORD}`).toString('base64'),
      b64url: Buffer.from(`u:${SMTP_PASSWORD}`).toString('base64url'),
      deep: [[[`${SMTP_PASSWORD}`]]],
    }) as Record<string, unknown>;
    expect(out.body).toBe('password is <redacted-secret>, port 587');
    expect(out.url).toBe('https://api/x?pw=<redacted-secret>');
    expect(out.json).toBe('{"pw":"<redacted-secret>"}');
    expect(out.b64).toMatch(/^dXNlcj<redacted-secret>/);
    expect(out.b64url).toContain('<redacted-secret>');
    expect(out.deep).toEqual([[['<redacted-secret>']]]);
    expect(JSON.stringify(out)).not.toContain(SMTP_PASSWORD);
  });

  it('redacts secrets and tokens in object keys too', () => {
    const out = sanitizer.sanitize({ [SMTP_PASSWORD]: 1, [GH]: 2 });
    expect(out).toEqual({ '<redacted-secret>': 1, '<redacted-gh-token>': 2 });
  });

  it('redacts a secret that contains a token-shaped part entirely', () => {
    const secret = `p@ss.${HEX40}`;
    const s = createSanitizer({ secrets: [secret] });
    expect(s.sanitize(`x ${secret} y`)).toBe('x <redacted-secret> y');
  });

  it('redacts a token that contains a held secret entirely', () => {
    const secret = 'A1b2C3d4E5A1';
    const s = createSanitizer({ secrets: [secret] });
    expect(s.sanitize(`token ${GH}.`)).toBe('token <redacted-secret>.');
    expect(s.redactText(`token ${GH}.`)).toBe('token <redacted-secret>.');
  });

  it('compares large integers (number and bigint) with held secrets', () => {
    const s = createSanitizer({ secrets: ['4111111111111111'] });
    expect(s.sanitize({ card: 4111111111111111, big: 4111111111111111n, other: 12n, n: 7 })).toEqual({
      card: '<redacted-secret>',
      big: '<redacted-secret>',
      other: '12',
      n: 7,
    });
  });

  it('truncates long strings with the UTF-8 size of the original', () => {
    const s = createSanitizer({ maxStringLength: 10 });
    expect(s.sanitize('a'.repeat(10))).toBe('a'.repeat(10));
    expect(s.sanitize('abcdefghijKLMNOP')).toBe('abcdefghij...<truncated 16 bytes>');
    expect(s.sanitize('é'.repeat(12))).toBe(`${'é'.repeat(10)}...<truncated 24 bytes>`);
  });

  it('never cuts a surrogate pair in half', () => {
    const s = createSanitizer({ maxStringLength: 5 });
    const text = `abcd${'😀'.repeat(3)}`; // the cut at 5 falls inside the first emoji
    const out = s.sanitize(text) as string;
    expect(out).toBe('abcd...<truncated 16 bytes>');
    const aligned = s.sanitize(`abc${'😀'.repeat(3)}`) as string;
    expect(aligned).toBe('abc😀...<truncated 15 bytes>');
  });

  it('truncates with the default of 500 characters', () => {
    const out = createSanitizer({}).sanitize('x'.repeat(600)) as string;
    expect(out).toBe(`${'x'.repeat(500)}...<truncated 600 bytes>`);
  });

  it('redacts a token or secret that straddles the cut of a long string', () => {
    const s = createSanitizer({ maxStringLength: 20, secrets: [SMTP_PASSWORD] });
    const token = `${'.'.repeat(15)} ${GH} ${'z'.repeat(50_000)}`;
    expect(s.sanitize(token)).toBe(`${'.'.repeat(15)} <red...<truncated ${token.length} bytes>`);
    const secret = `${'.'.repeat(15)} ${SMTP_PASSWORD}${'z'.repeat(50_000)}`;
    expect(s.sanitize(secret)).toBe(`${'.'.repeat(15)} <red...<truncated ${secret.length} bytes>`);
    const pem = `-----BEGIN PRIVATE KEY-----${'A'.repeat(100_000)}`;
    expect(s.sanitize(pem)).toBe(`<redacted-private-ke...<truncated ${pem.length} bytes>`);
  });

  it('replaces bytes with their size', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(
      sanitizer.sanitize({
        buffer: Buffer.from('secret'),
        bytes,
        view: new DataView(new ArrayBuffer(7)),
        floats: new Float64Array(2),
        raw: new ArrayBuffer(5),
      }),
    ).toEqual({
      buffer: '<binary 6 bytes>',
      bytes: '<binary 3 bytes>',
      view: '<binary 7 bytes>',
      floats: '<binary 16 bytes>',
      raw: '<binary 5 bytes>',
    });
  });

  it('turns bigint into text and drops functions and symbols', () => {
    const out = sanitizer.sanitize({
      big: 2n ** 70n,
      fn: () => 1,
      sym: Symbol('s'),
      list: [1, () => 2, Symbol('t'), 3],
      [Symbol('key')]: 'hidden',
    });
    expect(out).toEqual({ big: '1180591620717411303424', list: [1, null, null, 3] });
    expect(sanitizer.sanitize(() => 1)).toBeUndefined();
  });

  it('keeps primitives as they are', () => {
    for (const value of [null, undefined, true, false, 0, -1.5, Number.NaN, 'abc']) {
      expect(sanitizer.sanitize(value)).toBe(value);
    }
  });

  it('cuts cycles, but copies an object shared by two branches', () => {
    const cyclic: Record<string, unknown> = { name: 'root' };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, { up: cyclic }];
    expect(sanitizer.sanitize(cyclic)).toEqual({
      name: 'root',
      self: '<cycle>',
      list: ['<cycle>', { up: '<cycle>' }],
    });
    const shared = { v: 1 };
    expect(sanitizer.sanitize({ a: shared, b: shared, c: [shared, shared] })).toEqual({
      a: { v: 1 },
      b: { v: 1 },
      c: [{ v: 1 }, { v: 1 }],
    });
  });

  it('stops at the depth limit', () => {
    const s = createSanitizer({ maxDepth: 3 });
    expect(s.sanitize({ a: { b: { c: { d: 1 } }, x: [[['deep']]] } })).toEqual({
      a: { b: { c: '<depth limit>' }, x: ['<depth limit>'] },
    });
    const nested: Record<string, unknown> = {};
    let cursor = nested;
    for (let i = 0; i < 20; i++) cursor = cursor.n = {} as Record<string, unknown>;
    expect(JSON.stringify(createSanitizer({}).sanitize(nested))).toBe(
      `${'{"n":'.repeat(8)}"<depth limit>"${'}'.repeat(8)}`,
    );
  });

  it('keeps the first maxKeys entries of objects and arrays and counts the rest', () => {
    const s = createSanitizer({ maxKeys: 3 });
    expect(s.sanitize([1, 2, 3, 4, 5])).toEqual([1, 2, 3, '<2 more>']);
    expect(s.sanitize([1, 2, 3])).toEqual([1, 2, 3]);
    expect(s.sanitize({ a: 1, b: 2, c: 3, d: 4 })).toEqual({ a: 1, b: 2, c: 3, '<truncated>': '<1 more>' });
    const big = createSanitizer({}).sanitize(Array.from({ length: 250 }, (_, i) => i)) as unknown[];
    expect(big).toHaveLength(101);
    expect(big[100]).toBe('<150 more>');
  });

  it('classifies keys the same way on every call, also past its key cache size', () => {
    const s = createSanitizer({ maxKeys: 5_000 });
    const wide: Record<string, string> = {};
    for (let i = 0; i < 3_000; i++) wide[`k${i}`] = 'v';
    wide.password = 'p';
    wide[GH] = 'v';
    for (let round = 0; round < 3; round++) {
      const out = s.sanitize(wide) as Record<string, string>;
      expect(out.password).toBe('<redacted>');
      expect(out['<redacted-gh-token>']).toBe('v');
      expect(out.k2999).toBe('v');
      expect(Object.keys(out)).toHaveLength(3_002);
    }
  });

  it('does not mutate its input', () => {
    const input = {
      password: 'p',
      text: `x ${GH}`,
      long: 'y'.repeat(1_000),
      list: [`${SMTP_PASSWORD}`, { token: 't' }],
      bytes: Buffer.from('abc'),
    };
    const before = JSON.stringify(input);
    sanitizer.sanitize(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(Buffer.isBuffer(input.bytes)).toBe(true);
  });

  it('keeps a __proto__ key as data and never touches the prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const out = sanitizer.sanitize(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('converts Date, Map, Set, URL, Error and boxed values', () => {
    const out = sanitizer.sanitize({
      when: new Date('2026-01-02T03:04:05Z'),
      bad: new Date(Number.NaN),
      map: new Map<unknown, unknown>([
        ['password', 'x'],
        [1, GH],
      ]),
      set: new Set(['a', HEX40]),
      url: new URL('https://user:pw@example.com/p'),
      error: new Error(`failed with ${SMTP_PASSWORD}`),
      boxed: Object('text'),
    });
    expect(out).toEqual({
      when: '2026-01-02T03:04:05.000Z',
      bad: null,
      map: { password: '<redacted>', 1: '<redacted-gh-token>' },
      set: ['a', '<redacted-hex>'],
      url: 'https://<redacted>@example.com/p',
      error: { name: 'Error', message: 'failed with <redacted-secret>' },
      boxed: 'text',
    });
  });

  it('walks class instances like plain objects', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly token: string,
      ) {}
    }
    expect(sanitizer.sanitize(new Point(1, 'abc'))).toEqual({ x: 1, token: '<redacted>' });
  });

  it('never throws: an unreadable value becomes a marker', () => {
    const hostile = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    expect(sanitizer.sanitize(hostile)).toBe('<unserializable>');
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(sanitizer.sanitize({ trap })).toBe('<unserializable>');
  });

  it('rejects invalid options at creation', () => {
    expect(() => createSanitizer({ maxStringLength: 0 })).toThrow(RangeError);
    expect(() => createSanitizer({ maxDepth: 1.5 })).toThrow(RangeError);
    expect(() => createSanitizer({ maxKeys: -1 })).toThrow(RangeError);
  });
});

describe('createSanitizer().redactText', () => {
  const sanitizer = createSanitizer({ secrets: [SMTP_PASSWORD], maxStringLength: 10 });

  it('applies patterns and secrets without truncating', () => {
    const text = `login failed for ${SMTP_PASSWORD} with ${GH} after ${'x'.repeat(50)}`;
    expect(sanitizer.redactText(text)).toBe(
      `login failed for <redacted-secret> with <redacted-gh-token> after ${'x'.repeat(50)}`,
    );
  });

  it('returns short and plain text as is', () => {
    expect(sanitizer.redactText('')).toBe('');
    expect(sanitizer.redactText('ok')).toBe('ok');
    expect(sanitizer.redactText('no tokens here')).toBe('no tokens here');
  });
});

const NAMES = [
  'authorization',
  'cookie',
  'session',
  'bearer',
  'password',
  'passwd',
  'token',
  'secret',
  'api_key',
  'apikey',
  'access_token',
  'refresh_token',
  'lease_id',
  'accessor',
  'secret_id',
  'role_id',
  'private_key',
  'client_secret',
  'x-api-key',
  'proxy-authorization',
  'set-cookie',
  'passphrase',
  'credentials',
];
const SUFFIXES = ['_TOKEN', '_PASSWORD', '_SECRET', '_KEY', '_CREDENTIALS', '_PWD', '_PASS', '_AUTH'];

describe('isSensitiveKey', () => {
  for (const name of NAMES) {
    it(`redacts "${name}" in any case`, () => {
      expect(isSensitiveKey(name)).toBe(true);
      expect(isSensitiveKey(name.toUpperCase())).toBe(true);
      expect(isSensitiveKey(name[0]!.toUpperCase() + name.slice(1))).toBe(true);
    });
  }

  for (const suffix of SUFFIXES) {
    it(`redacts keys ending with ${suffix} in any case`, () => {
      expect(isSensitiveKey(`GITHUB${suffix}`)).toBe(true);
      expect(isSensitiveKey(`smtp${suffix.toLowerCase()}`)).toBe(true);
      expect(isSensitiveKey(`x-service${suffix.replace('_', '-')}`)).toBe(true);
    });

    it(`does not redact ${suffix} without the underscore or in the middle`, () => {
      expect(isSensitiveKey(`github${suffix.slice(1).toLowerCase()}s_count`)).toBe(false);
      expect(isSensitiveKey(`${suffix.slice(1).toLowerCase()}_count`)).toBe(false);
    });
  }

  it('keeps the reference quirk: sort_key and primary_key are redacted', () => {
    expect(isSensitiveKey('sort_key')).toBe(true);
    expect(isSensitiveKey('primary_key')).toBe(true);
  });

  it('does not redact session_id and ordinary argument names', () => {
    for (const key of [
      'session_id',
      'path',
      'content',
      'sql',
      'query',
      'tokens',
      'keys',
      'passing',
      'author',
    ]) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });

  it('covers header spellings', () => {
    expect(isSensitiveKey('X-Auth-Token')).toBe(true);
    expect(isSensitiveKey('Authorization')).toBe(true);
    expect(isSensitiveKey('X-API-Key')).toBe(true);
  });
});
