import { BlockList, isIP } from 'node:net';

// What http_proxy never connects to. Two classes:
// - always blocked, whatever the service says: unspecified, link-local (cloud metadata lives there, and at
//   fd00:ec2::254 and 100.100.100.200), multicast, broadcast, reserved, benchmarking, documentation, and
//   every IPv6 form that carries an IPv4 address inside it (mapped, compatible, NAT64, 6to4, Teredo) — a
//   LAN service is reached by its plain address, so these forms have no use but to smuggle one;
// - private (loopback, RFC 1918, shared CGNAT space, IPv6 unique-local): blocked unless the service has
//   `allow_private: true`.
//
// One list per family: a BlockList matches an IPv4 address against IPv6 rules through its mapped form, so a
// single list holding ::ffff:0:0/96 would block every IPv4 address.

type Family = 'ipv4' | 'ipv6';

interface Range {
  readonly network: string;
  readonly prefix: number;
  readonly family: Family;
  readonly why: string;
}

const ALWAYS: readonly Range[] = [
  { network: '0.0.0.0', prefix: 8, family: 'ipv4', why: '"this network"' },
  { network: '169.254.0.0', prefix: 16, family: 'ipv4', why: 'link-local (cloud metadata)' },
  { network: '100.100.100.200', prefix: 32, family: 'ipv4', why: 'cloud metadata' },
  { network: '192.0.0.0', prefix: 24, family: 'ipv4', why: 'IETF protocol assignments' },
  { network: '192.0.2.0', prefix: 24, family: 'ipv4', why: 'documentation' },
  { network: '198.18.0.0', prefix: 15, family: 'ipv4', why: 'benchmarking' },
  { network: '198.51.100.0', prefix: 24, family: 'ipv4', why: 'documentation' },
  { network: '203.0.113.0', prefix: 24, family: 'ipv4', why: 'documentation' },
  { network: '224.0.0.0', prefix: 4, family: 'ipv4', why: 'multicast' },
  { network: '240.0.0.0', prefix: 4, family: 'ipv4', why: 'reserved and broadcast' },
  { network: '::', prefix: 128, family: 'ipv6', why: 'unspecified' },
  { network: '::ffff:0:0', prefix: 96, family: 'ipv6', why: 'IPv4-mapped' },
  { network: '64:ff9b::', prefix: 96, family: 'ipv6', why: 'NAT64' },
  { network: '64:ff9b:1::', prefix: 48, family: 'ipv6', why: 'local NAT64' },
  { network: '100::', prefix: 64, family: 'ipv6', why: 'discard-only' },
  { network: '2001::', prefix: 32, family: 'ipv6', why: 'Teredo' },
  { network: '2001:db8::', prefix: 32, family: 'ipv6', why: 'documentation' },
  { network: '2002::', prefix: 16, family: 'ipv6', why: '6to4' },
  { network: '3fff::', prefix: 20, family: 'ipv6', why: 'documentation' },
  { network: 'fd00:ec2::254', prefix: 128, family: 'ipv6', why: 'cloud metadata' },
  { network: 'fe80::', prefix: 10, family: 'ipv6', why: 'link-local' },
  { network: 'ff00::', prefix: 8, family: 'ipv6', why: 'multicast' },
];

const PRIVATE: readonly Range[] = [
  { network: '10.0.0.0', prefix: 8, family: 'ipv4', why: 'private' },
  { network: '172.16.0.0', prefix: 12, family: 'ipv4', why: 'private' },
  { network: '192.168.0.0', prefix: 16, family: 'ipv4', why: 'private' },
  { network: '127.0.0.0', prefix: 8, family: 'ipv4', why: 'loopback' },
  { network: '100.64.0.0', prefix: 10, family: 'ipv4', why: 'shared address space (CGNAT)' },
  { network: '::1', prefix: 128, family: 'ipv6', why: 'loopback' },
  { network: 'fc00::', prefix: 7, family: 'ipv6', why: 'unique local' },
];

/** IPv4-compatible IPv6 (`::a.b.c.d`, deprecated): everything in ::/96 but :: and ::1, as one range. */
const IPV4_COMPATIBLE = { start: '::2', end: '::ffff:ffff', why: 'IPv4-compatible' } as const;

interface Lists {
  readonly ipv4: BlockList;
  readonly ipv6: BlockList;
}

function lists(ranges: readonly Range[]): Lists {
  const made: Lists = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const range of ranges) made[range.family].addSubnet(range.network, range.prefix, range.family);
  return made;
}

const always = lists(ALWAYS);
always.ipv6.addRange(IPV4_COMPATIBLE.start, IPV4_COMPATIBLE.end, 'ipv6');
const privateRanges = lists(PRIVATE);

/** Why an address is refused. */
export interface AddressRefusal {
  /** The kind of range (`loopback`, `link-local (cloud metadata)`, …), for messages. */
  readonly why: string;
  /** Whether `allow_private: true` on the service would let it through. */
  readonly private: boolean;
}

/**
 * Whether http_proxy may connect to `address`, an IP address as a resolver or the URL parser gives it:
 * `undefined` when it may, else why not. Anything that is not a plain IP address (a zone id, a name, an
 * IPv4 address in another notation) is refused: this check runs on what the socket will be given.
 */
export function addressRefusal(address: string, allowPrivate: boolean): AddressRefusal | undefined {
  const family = familyOf(address);
  if (family === undefined) return { why: 'not a plain IP address', private: false };
  if (always[family].check(address, family)) {
    return { why: whyOf(ALWAYS, address, family) ?? IPV4_COMPATIBLE.why, private: false };
  }
  if (!allowPrivate && privateRanges[family].check(address, family)) {
    return { why: whyOf(PRIVATE, address, family) ?? 'private', private: true };
  }
  return undefined;
}

function familyOf(address: string): Family | undefined {
  // A zone id (fe80::1%eth0) passes isIP but BlockList does not match it: refused as not plain.
  if (address.includes('%')) return undefined;
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

// Only for the message of a refusal: which range matched.
const single = new Map<Range, BlockList>(
  [...ALWAYS, ...PRIVATE].map((range) => {
    const one = new BlockList();
    one.addSubnet(range.network, range.prefix, range.family);
    return [range, one];
  }),
);

function whyOf(ranges: readonly Range[], address: string, family: Family): string | undefined {
  return ranges.find((range) => range.family === family && single.get(range)?.check(address, family))?.why;
}

// Names that mean this machine or a cloud metadata service whatever DNS says. Loopback names are private
// (allow_private opens them, as it opens 127.0.0.1); metadata names never.
const LOOPBACK_NAMES = ['localhost'];
const METADATA_NAMES = ['metadata.google.internal', 'metadata.goog'];

/**
 * Whether a host name (as the URL parser gives it: lower case, punycode) is refused before any lookup:
 * `localhost` and `*.localhost` unless private addresses are allowed, the metadata names always. Trailing
 * dots (`localhost.`, `localhost..`) name the same host and are ignored.
 */
export function hostNameRefusal(hostname: string, allowPrivate: boolean): AddressRefusal | undefined {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (METADATA_NAMES.some((blocked) => name === blocked || name.endsWith(`.${blocked}`))) {
    return { why: 'cloud metadata name', private: false };
  }
  if (!allowPrivate && LOOPBACK_NAMES.some((blocked) => name === blocked || name.endsWith(`.${blocked}`))) {
    return { why: 'loopback name', private: true };
  }
  return undefined;
}

/** `[::1]` → `::1`: the URL parser keeps IPv6 hosts in brackets. */
export function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** The check for a URL's host: a literal address is checked as an address, a name as a name. */
export function hostRefusal(hostname: string, allowPrivate: boolean): AddressRefusal | undefined {
  const host = unbracketed(hostname);
  return isIP(host) !== 0 || host.includes('%')
    ? addressRefusal(host, allowPrivate)
    : hostNameRefusal(host, allowPrivate);
}
