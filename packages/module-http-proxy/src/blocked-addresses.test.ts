import { describe, expect, it } from 'vitest';
import { addressRefusal, hostNameRefusal, hostRefusal } from './blocked-addresses.js';

// The address check itself, on every range it claims: first and last address of each range and one just
// outside, in the forms a resolver or the URL parser hands over.

/** Blocked whatever the service says (allow_private does not open them). */
const ALWAYS_BLOCKED: readonly [string, string][] = [
  ['0.0.0.0', '"this network"'],
  ['0.255.255.255', '"this network"'],
  ['169.254.0.0', 'link-local (cloud metadata)'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['169.254.255.255', 'link-local (cloud metadata)'],
  ['100.100.100.200', 'cloud metadata'],
  ['192.0.0.0', 'IETF protocol assignments'],
  ['192.0.0.255', 'IETF protocol assignments'],
  ['192.0.2.1', 'documentation'],
  ['198.18.0.0', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved and broadcast'],
  ['255.255.255.255', 'reserved and broadcast'],
  ['::', 'unspecified'],
  ['::ffff:127.0.0.1', 'IPv4-mapped'],
  ['::ffff:7f00:1', 'IPv4-mapped'],
  ['::ffff:8.8.8.8', 'IPv4-mapped'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped'],
  ['::FFFF:10.0.0.1', 'IPv4-mapped'],
  ['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped'],
  ['::127.0.0.1', 'IPv4-compatible'],
  ['::7f00:1', 'IPv4-compatible'],
  ['::2', 'IPv4-compatible'],
  ['::ffff:ffff', 'IPv4-compatible'],
  ['64:ff9b::7f00:1', 'NAT64'],
  ['64:ff9b::169.254.169.254', 'NAT64'],
  ['64:ff9b:1::a00:1', 'local NAT64'],
  ['100::1', 'discard-only'],
  ['2001::1', 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:db8::1', 'documentation'],
  ['2002:7f00:1::', '6to4'],
  ['2002:c0a8:101::1', '6to4'],
  ['3fff::1', 'documentation'],
  ['fd00:ec2::254', 'cloud metadata'],
  ['fe80::1', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
];

/** Blocked unless the service sets allow_private. */
const PRIVATE: readonly [string, string][] = [
  ['10.0.0.0', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.0.1', 'private'],
  ['192.168.255.255', 'private'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['100.64.0.1', 'shared address space (CGNAT)'],
  ['100.127.255.255', 'shared address space (CGNAT)'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fc00::1', 'unique local'],
  ['fd12:3456:789a::1', 'unique local'],
];

/** Public, neighbours of the ranges above included. */
const PUBLIC = [
  '1.1.1.1',
  '8.8.8.8',
  '9.255.255.255',
  '11.0.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.0',
  '192.0.3.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001:80b::200e',
  '2003::1',
  '::1:0:0:0',
  'fbff:ffff::1',
  'fec0::1',
];

describe('addressRefusal', () => {
  it.each(ALWAYS_BLOCKED)('%s is always blocked (%s)', (address, why) => {
    expect(addressRefusal(address, false)).toEqual({ why, private: false });
    expect(addressRefusal(address, true)).toEqual({ why, private: false });
  });

  it.each(PRIVATE)('%s is blocked unless allow_private (%s)', (address, why) => {
    expect(addressRefusal(address, false)).toEqual({ why, private: true });
    expect(addressRefusal(address, true)).toBeUndefined();
  });

  it.each(PUBLIC)('%s is allowed', (address) => {
    expect(addressRefusal(address, false)).toBeUndefined();
  });

  it.each([
    'fe80::1%eth0',
    'fe80::1%25eth0',
    '::1%lo',
    '2001:4860::1%1',
    '0177.0.0.1',
    '0x7f.0.0.1',
    '2130706433',
    '127.1',
    '0x7f000001',
    'localhost',
    '',
    ' 8.8.8.8',
    '8.8.8.8 ',
    '[::1]',
    '1.2.3.4.5',
  ])('%j is not a plain IP address and is refused, even with allow_private', (address) => {
    expect(addressRefusal(address, true)).toEqual({ why: 'not a plain IP address', private: false });
  });
});

describe('host names', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', 'localhost..', 'api.localhost', 'a.b.localhost.'])(
    '%s is a loopback name: blocked unless allow_private',
    (name) => {
      expect(hostNameRefusal(name, false)).toEqual({ why: 'loopback name', private: true });
      expect(hostNameRefusal(name, true)).toBeUndefined();
    },
  );

  it.each([
    'metadata.google.internal',
    'metadata.google.internal.',
    'METADATA.goog',
    'x.metadata.google.internal',
  ])('%s is a metadata name: always blocked', (name) => {
    expect(hostNameRefusal(name, true)).toEqual({ why: 'cloud metadata name', private: false });
  });

  it.each(['example.com', 'notlocalhost', 'localhost.example.com', 'metadata.google.internal.evil.com'])(
    '%s is an ordinary name (its addresses are checked once resolved)',
    (name) => {
      expect(hostNameRefusal(name, false)).toBeUndefined();
    },
  );
});

describe('hostRefusal: a URL host as the WHATWG parser gives it', () => {
  it.each([
    ['http://2130706433/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://0x0a.0.0.1/', 'private'],
    ['http://%31%32%37.0.0.1/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://ｌｏｃａｌｈｏｓｔ/', 'loopback name'],
    ['http://LocalHost./', 'loopback name'],
  ])('%s is normalised, then refused (%s)', (url, why) => {
    expect(hostRefusal(new URL(url).hostname, false)).toMatchObject({ why });
  });

  it.each([
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped'],
    ['http://[::ffff:169.254.169.254]/', 'IPv4-mapped'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'NAT64'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://0xa9.0xfe.0xa9.0xfe/', 'link-local (cloud metadata)'],
    ['http://2852039166/', 'link-local (cloud metadata)'],
    ['http://[::]/', 'unspecified'],
    ['http://0/', '"this network"'],
  ])('%s is refused even with allow_private (%s)', (url, why) => {
    expect(hostRefusal(new URL(url).hostname, true)).toMatchObject({ why });
  });

  it('an IPv6 zone id never gets this far: the URL parser refuses it', () => {
    expect(() => new URL('http://[fe80::1%25eth0]/')).toThrow();
  });
});
