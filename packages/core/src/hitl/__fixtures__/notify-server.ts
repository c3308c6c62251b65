import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** What the server does with a request that passed validation. */
export type Behaviour = 'ok' | 'fail' | 'hang' | 'redirect';

export interface NotifyServer {
  readonly url: string;
  /** Every request, valid or not. */
  readonly received: ReceivedRequest[];
  /** Requests refused as malformed, with the reason. */
  readonly refused: { request: ReceivedRequest; status: number; reason: string }[];
  behaviour: Behaviour;
  close(): Promise<void>;
}

export interface ServerRules {
  /** webhook: POST /hook (JSON). (Services' senders are tested against their own fakes, in their packages.) */
  readonly kind: 'webhook';
  /** Bearer token the server insists on. */
  readonly token?: string;
}

/**
 * A loopback stand-in for a receiver of core's JSON webhook. It implements only the
 * documented request shapes and refuses anything else (wrong method, missing auth, bad JSON), so a
 * notifier that builds a wrong request fails its test.
 */
export async function startNotifyServer(rules: ServerRules): Promise<NotifyServer> {
  const received: ReceivedRequest[] = [];
  const refused: NotifyServer['refused'] = [];
  const hanging: ServerResponse[] = [];
  const state = { behaviour: 'ok' as Behaviour };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      const problem = validate(rules, request);
      if (problem) {
        refused.push({ request, ...problem });
        res
          .writeHead(problem.status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: problem.reason }));
        return;
      }
      switch (state.behaviour) {
        case 'fail':
          res.writeHead(500).end('internal error: secret-looking detail');
          return;
        case 'hang':
          hanging.push(res);
          return;
        case 'redirect':
          res.writeHead(307, { location: `${address()}/elsewhere` }).end();
          return;
        default:
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"event_id":"$1","id":"x"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: address(),
    received,
    refused,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: Behaviour) {
      state.behaviour = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function validate(rules: ServerRules, r: ReceivedRequest): { status: number; reason: string } | undefined {
  const auth = r.headers.authorization;
  if (rules.token !== undefined && auth !== `Bearer ${rules.token}`) {
    return { status: 401, reason: 'missing or wrong bearer token' };
  }
  switch (rules.kind) {
    case 'webhook': {
      if (r.method !== 'POST') return { status: 405, reason: 'method' };
      if (r.path.split('?')[0] !== '/hook') return { status: 404, reason: 'path' };
      if (!r.headers['content-type']?.startsWith('application/json'))
        return { status: 415, reason: 'content type' };
      const body = parseObject(r.body);
      if (!body) return { status: 400, reason: 'bad JSON' };
      for (const key of ['approval_id', 'tool', 'agent_id', 'agent_type', 'message']) {
        if (typeof body[key] !== 'string') return { status: 400, reason: `field ${key}` };
      }
      if (typeof body.timeout_seconds !== 'number') return { status: 400, reason: 'field timeout_seconds' };
      return undefined;
    }
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
