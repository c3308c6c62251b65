import { describe, expect, it } from 'vitest';
import { mailboxKey, parseMailAddress } from './mail-address.js';

describe('parseMailAddress', () => {
  it.each([
    ['ops@example.com', 'ops', 'example.com'],
    ['root@localhost', 'root', 'localhost'],
    ['first.last+tag@mail.example.co.uk', 'first.last+tag', 'mail.example.co.uk'],
    ["o'brien@example.com", "o'brien", 'example.com'],
    ['a_b-c=d?e#f$g&h*i/j^k`l{m|n}o~p@x.example', 'a_b-c=d?e#f$g&h*i/j^k`l{m|n}o~p', 'x.example'],
    ['ops@xn--bcher-kva.example', 'ops', 'xn--bcher-kva.example'],
    ['Ops@EXAMPLE.com', 'Ops', 'EXAMPLE.com'],
    ['x@1example.com', 'x', '1example.com'],
    [`${'a'.repeat(64)}@example.com`, 'a'.repeat(64), 'example.com'],
  ])('accepts %s', (text, local, domain) => {
    expect(parseMailAddress(text)).toEqual({ local, domain });
  });

  it.each([
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['a label over 63 characters', `ops@${'a'.repeat(64)}.com`],
    [
      'an address over 254 characters',
      `ops@${Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.')}.com`,
    ],
    ['no local part', '@example.com'],
    ['no domain', 'ops@'],
    ['no @', 'ops.example.com'],
    ['a label ending with a hyphen', 'ops@example-.com'],
    ['an all-digit top-level label', 'ops@example.123'],
    ['non-ASCII in the local part', 'jörg@example.com'],
    ['non-ASCII in the domain', 'ops@bücher.example'],
    ['an underscore in the domain', 'ops@ex_ample.com'],
  ])('refuses %s', (_name, text) => {
    expect(parseMailAddress(text)).toBeUndefined();
  });
});

describe('mailboxKey', () => {
  it('keeps the local part and lower-cases the domain', () => {
    const key = (text: string) => mailboxKey(parseMailAddress(text) ?? { local: '', domain: '' });
    expect(key('Ops@EXAMPLE.Com')).toBe('Ops@example.com');
    expect(key('ops@example.com')).not.toBe(key('Ops@example.com'));
  });
});
