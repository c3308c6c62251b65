import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, connect as netConnect } from 'node:net';
import type { HostLookup, ResolvedAddress, SocketConnector } from '../guarded-agent.js';

// The network a test gives the guard: a resolver answering from a table (an answer list per name, used in
// turn, so a name can change its answer between lookups), and a socket connector that records what the
// guard asked for and then connects to ONE loopback listener the test watches, whatever address was
// asked. A defence that failed would so be seen as a recorded connect and a connection on the listener —
// never as traffic to the address itself.

export interface ConnectAttempt {
  readonly hostname: string;
  readonly servername: string | undefined;
  readonly port: string;
  readonly protocol: string;
}

export interface WatchedNetwork {
  readonly lookup: HostLookup;
  readonly connect: SocketConnector;
  /** Names the resolver was asked for, in order. */
  readonly lookups: string[];
  /** What the guard handed the connector, in order. */
  readonly attempts: ConnectAttempt[];
  /** Requests the listener answered: their Host header and target. */
  readonly requests: { host: string; url: string }[];
  /** Connections the listener accepted, and the bytes it received. */
  connections: number;
  bytes: number;
  /** The listener's port (it answers 200 {"ok":true}, and /redirect?to=URL with a 302). */
  readonly port: number;
  close(): Promise<void>;
}

export type DnsTable = Readonly<Record<string, readonly (readonly ResolvedAddress[])[]>>;

/** `a('10.0.0.1', '::1')` → one answer list with the family of each address. */
export function answer(...addresses: string[]): ResolvedAddress[] {
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
}

export async function startWatchedNetwork(dns: DnsTable): Promise<WatchedNetwork> {
  const server = createServer((req, res) => {
    network.requests.push({ host: req.headers.host ?? '', url: req.url ?? '' });
    // One request per connection, so every request makes the guard resolve and check again.
    res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', 'http://watched.test');
    if (url.pathname.endsWith('/redirect')) {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const asked = new Map<string, number>();
  const network: WatchedNetwork = {
    lookups: [],
    attempts: [],
    requests: [],
    connections: 0,
    bytes: 0,
    port: 0,
    async lookup(hostname) {
      network.lookups.push(hostname);
      const answers = dns[hostname];
      if (!answers || answers.length === 0) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      }
      const turn = asked.get(hostname) ?? 0;
      asked.set(hostname, turn + 1);
      return answers[Math.min(turn, answers.length - 1)]!;
    },
    connect(options, callback) {
      network.attempts.push({
        hostname: options.hostname,
        servername: options.servername,
        port: options.port,
        protocol: options.protocol,
      });
      const socket = netConnect({ host: '127.0.0.1', port: network.port });
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('connection', (socket) => {
    network.connections += 1;
    socket.on('data', (chunk: Buffer) => {
      network.bytes += chunk.length;
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(network, { port: (server.address() as AddressInfo).port });
}
