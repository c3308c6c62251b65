import { describe, expect, it } from 'vitest';
import { jwtRanges, patternRanges, redactPatterns } from './patterns.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const GH = `ghp_${'A1b2C3d4E5'.repeat(3)}`;
const HEX40 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAx4UbaDzY4nGzK1hQ8b2Q0+7uKb1cW1o9Xo2oZqYh0bX6Qm3C',
  'q2Xq0p4sFw==',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

// Each case: the token, embedded in a sentence, must be replaced by exactly its label and nothing of
// it may remain.
const CASES: ReadonlyArray<readonly [name: string, token: string, label: string]> = [
  ['JWT', JWT, '<redacted-jwt>'],
  ['bearer (any case)', 'BeArEr abcdefgh.ijk~+/=-', '<redacted-bearer>'],
  ['GitHub classic token', GH, '<redacted-gh-token>'],
  ['GitHub oauth token', `gho_${'x'.repeat(36)}`, '<redacted-gh-token>'],
  ['GitHub fine-grained token', `github_pat_11ABCDEFG0${'a_b'.repeat(20)}`, '<redacted-gh-token>'],
  ['Vault service token', 'hvs.CAESIJqz-9_abcXYZ', '<redacted-vault-token>'],
  ['Vault batch token', 'hvb.AAAAAQKx', '<redacted-vault-token>'],
  ['Vault legacy token', `s.${'Ab3'.repeat(8)}`, '<redacted-vault-token>'],
  ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE', '<redacted-aws-key-id>'],
  ['AWS temporary key id', 'ASIAY34FZKBOKMUTVV7A', '<redacted-aws-key-id>'],
  ['Slack bot token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', '<redacted-slack-token>'],
  ['Slack user token', 'xoxp-1234567890-abc', '<redacted-slack-token>'],
  ['sk- API key', `sk-proj-${'Ab9_'.repeat(10)}`, '<redacted-api-key>'],
  ['PEM private key', PEM, '<redacted-private-key>'],
  ['long hex (git SHA)', HEX40, '<redacted-hex>'],
  ['dashless UUID', '0123456789ABCDEF0123456789abcdef', '<redacted-hex>'],
];

describe('redactPatterns', () => {
  for (const [name, token, label] of CASES) {
    it(`redacts a ${name} inside longer text`, () => {
      const text = `before: ${token} (after)`;
      expect(redactPatterns(text)).toBe(`before: ${label} (after)`);
    });

    it(`redacts a ${name} at the very start and end`, () => {
      expect(redactPatterns(token)).toBe(label);
    });
  }

  it('redacts every occurrence, not just the first', () => {
    expect(redactPatterns(`${GH} and ${GH}\n${HEX40}`)).toBe(
      '<redacted-gh-token> and <redacted-gh-token>\n<redacted-hex>',
    );
  });

  it('redacts the userinfo of a URL and keeps its scheme and host', () => {
    expect(redactPatterns('clone https://bob:s3cr3t@example.com/repo.git now')).toBe(
      'clone https://<redacted>@example.com/repo.git now',
    );
    expect(redactPatterns('postgres://app:pa%40ss@db:5432/x')).toBe('postgres://<redacted>@db:5432/x');
    // A token passed as the user name alone is just as secret.
    expect(redactPatterns('https://x-token-only@github.com/o/r')).toBe('https://<redacted>@github.com/o/r');
  });

  it('redacts userinfo after any scheme-like prefix', () => {
    expect(redactPatterns('1.ftp://u:p@h')).toBe('1.ftp://<redacted>@h');
    expect(redactPatterns('x-https://tok@h/p')).toBe('x-https://<redacted>@h/p');
  });

  it('finds a 32-digit hex run at every offset and length', () => {
    for (let offset = 0; offset < 70; offset++) {
      for (const length of [32, 33, 63, 64, 65]) {
        const hex = 'ab01'.repeat(20).slice(0, length);
        const text = `${'z '.repeat(offset).slice(0, offset)} ${hex} tail`;
        expect(redactPatterns(text), `${offset}/${length}`).toBe(text.replace(hex, '<redacted-hex>'));
      }
      const short = `${'q'.repeat(offset)} ${'ab01'.repeat(8).slice(0, 31)} tail`;
      expect(redactPatterns(short)).toBe(short);
    }
  });

  it('redacts an unterminated PEM block to the end of the text', () => {
    const cut = 'key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ';
    expect(redactPatterns(cut)).toBe('key: <redacted-private-key>');
  });

  it('redacts PGP and encrypted private key blocks, JSON-escaped newlines included', () => {
    const pgp = '-----BEGIN PGP PRIVATE KEY BLOCK-----\\nlQOYBF\\n-----END PGP PRIVATE KEY BLOCK-----';
    expect(redactPatterns(`"${pgp}"`)).toBe('"<redacted-private-key>"');
    const enc = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBO\n-----END ENCRYPTED PRIVATE KEY-----';
    expect(redactPatterns(`a ${enc} b`)).toBe('a <redacted-private-key> b');
  });

  it('leaves public keys and certificates alone', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(redactPatterns(cert)).toBe(cert);
  });

  it('applies the rules in the reference order: a JWT after "Bearer" is labelled as a JWT', () => {
    expect(redactPatterns(`Authorization: Bearer ${JWT}`)).toBe('Authorization: Bearer <redacted-jwt>');
  });

  it('redacts a token inside the userinfo, then the userinfo itself', () => {
    expect(redactPatterns(`https://user:${GH}@github.com`)).toBe('https://<redacted>@github.com');
  });

  it('keeps ordinary text, ids and short values', () => {
    const plain = [
      'notes/a.txt',
      'session_id=ab12cd34',
      'the bearer of bad news', // "bearer" followed by a short word
      'abcdef0123456789abcdef012345678', // 31 hex characters
      'deadbeef-dead-beef-dead-beefdeadbeef', // dashed UUID: no 32-hex run
      'ghp_short',
      'sk-short',
      'mailto:bob@example.com',
      'bob@example.com',
      'hvs',
      '',
    ];
    for (const text of plain) expect(redactPatterns(text)).toBe(text);
  });

  it('needs a word boundary before hex and token prefixes', () => {
    const glued = `x${HEX40}`;
    expect(redactPatterns(glued)).toBe(glued);
    expect(redactPatterns(`id_${GH}`)).toBe(`id_${GH}`);
  });

  it('stays fast on inputs built to make a backtracking regex rescan', () => {
    const inputs = [
      'eyJ-'.repeat(2_000),
      'a.'.repeat(4_000),
      `https://${'x'.repeat(8_000)}`,
      `bearer ${' '.repeat(8_000)}x`,
      `-----BEGIN PRIVATE KEY-----${'A'.repeat(8_000)}`,
    ];
    for (const text of inputs) redactPatterns(text); // must return; timing is reported, not asserted
  });
});

describe('patternRanges', () => {
  it('reports each rule on the unmodified text, userinfo without scheme and @', () => {
    const text = `x https://u:p@h ${HEX40}`;
    expect(patternRanges(text)).toEqual([
      { start: 10, end: 13, label: '<redacted>' },
      { start: 16, end: 56, label: '<redacted-hex>' },
    ]);
    expect(text.slice(10, 13)).toBe('u:p');
  });

  it('reports nothing for plain text', () => {
    expect(patternRanges('nothing to see here')).toEqual([]);
  });
});

const REFERENCE = /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g;

function referenceRanges(text: string): Array<{ start: number; end: number }> {
  return [...text.matchAll(REFERENCE)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Deterministic generator (mulberry32), so a failure is reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'eyJ',
  'eyJ',
  'abcdefghij',
  'Z9',
  '-',
  '_',
  '.',
  '.',
  ' ',
  'x',
  '0123456789',
  '-eyJ',
  '=',
  'é',
];

describe('jwtRanges', () => {
  it('finds a JWT inside text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fw';
    expect(jwtRanges(`a ${jwt} b`)).toEqual([{ start: 2, end: 2 + jwt.length }]);
  });

  it('finds a JWT that starts after a dash inside a longer word, as the reference does', () => {
    const text = 'x-y-eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fw';
    expect(jwtRanges(text)).toEqual(referenceRanges(text));
    expect(jwtRanges(text)[0]?.start).toBe(4);
  });

  it('agrees with the reference regex on 20 000 generated strings', () => {
    const next = random(42);
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const parts = 1 + Math.floor(next() * 25);
      for (let i = 0; i < parts; i++) text += PIECES[Math.floor(next() * PIECES.length)];
      expect(jwtRanges(text), text).toEqual(referenceRanges(text));
    }
  });

  it('is linear on input that makes the reference regex quadratic', () => {
    // No timing assertion: the reference regex needs minutes on this input, so a quadratic regression
    // shows up as a test timeout; the scanner takes a few milliseconds.
    expect(jwtRanges('eyJ-'.repeat(50_000))).toEqual([]);
  });
});
