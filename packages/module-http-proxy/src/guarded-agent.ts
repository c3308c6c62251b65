import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ScopeViolation, UpstreamError } from '@scoped-mcp/core';
import { Agent, buildConnector } from 'undici';
import { addressRefusal, hostNameRefusal } from './blocked-addresses.js';

// The SSRF check is made on the address the socket is given, not on the URL: undici asks this connector for
// every new connection, the connector resolves the host itself, refuses the connection when ANY address the
// resolver returned is blocked, and hands the socket connector the checked address (never the name), so no
// second resolution can answer differently (DNS rebinding). TLS keeps the host name for SNI and for the
// certificate check. Redirects are never followed (undici's request() does not), so every connection this
// agent makes is to a service's own base host, checked here.

/** One address a resolver returned. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has (`dns.lookup` with `all: true` by default). */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver, as a socket would use it, with every address it returns. */
export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** undici's socket connector: what actually opens the TCP (and TLS) connection. */
export type SocketConnector = buildConnector.connector;

export interface GuardedAgentOptions {
  /** Origins (`http://10.0.0.5:8080`) whose services set `allow_private: true`; every other is strict. */
  readonly privateOrigins: ReadonlySet<string>;
  readonly lookup: HostLookup;
  /** Opens the socket to a checked address; undici's own connector by default. */
  readonly connect?: SocketConnector;
  /** Longest wait for a TCP and TLS connection, in ms (the default connector's timeout). */
  readonly connectTimeoutMs: number;
}

/** `http:`, `example.com`, `` → `http://example.com:80`: one key per origin, brackets and default ports resolved. */
export function originKey(protocol: string, hostname: string, port: string): string {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return `${protocol}//${host}:${port || (protocol === 'https:' ? '443' : '80')}`;
}

/** An undici Agent that connects only to checked addresses; one per module instance. */
export function guardedAgent(options: GuardedAgentOptions): Agent {
  const connect = options.connect ?? buildConnector({ timeout: options.connectTimeoutMs });
  const guarded: SocketConnector = (target, callback) => {
    const allowPrivate = options.privateOrigins.has(originKey(target.protocol, target.hostname, target.port));
    checkedAddress(target.hostname, allowPrivate, options.lookup).then(
      (address) => {
        const servername = target.servername ?? (isIP(target.hostname) === 0 ? target.hostname : undefined);
        connect({ ...target, hostname: address, servername }, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
  return new Agent({ connect: guarded });
}

/**
 * The address to connect to for `hostname` (as undici gives it: an IPv6 literal without brackets): a
 * literal address checked as it is, a name checked, then resolved and every answer checked; the first
 * answer is used. Throws ScopeViolation for a blocked host, UpstreamError when the name does not resolve.
 */
export async function checkedAddress(
  hostname: string,
  allowPrivate: boolean,
  lookup: HostLookup,
): Promise<string> {
  if (isIP(hostname) !== 0 || hostname.includes('%')) {
    const refusal = addressRefusal(hostname, allowPrivate);
    if (refusal) throw new ScopeViolation(`Host '${hostname}' is a blocked address (${refusal.why})`);
    return hostname;
  }
  const named = hostNameRefusal(hostname, allowPrivate);
  if (named) throw new ScopeViolation(`Host '${hostname}' is a blocked name (${named.why})`);
  let answers: readonly ResolvedAddress[];
  try {
    answers = await lookup(hostname);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `Host '${hostname}' could not be resolved${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
  if (answers.length === 0) {
    throw new UpstreamError('SMCP_UPSTREAM_UNAVAILABLE', `Host '${hostname}' has no address`);
  }
  for (const { address } of answers) {
    const refusal = addressRefusal(address, allowPrivate);
    if (refusal) {
      throw new ScopeViolation(
        `Host '${hostname}' resolves to a blocked address: ${address} (${refusal.why})`,
      );
    }
  }
  return answers[0]!.address;
}
