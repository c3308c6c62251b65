import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback Slack incoming webhook: POST /services/T…/B…/<secret> with a JSON body holding `text`,
// answered `200 ok` in plain text, or with Slack's documented error names (400 invalid_payload, 400 no_text,
// 404 no_service, 410 channel_is_archived, 403 action_prohibited, 429 with Retry-After).

export type SlackBehaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly status: number; readonly name: string }
  | { readonly kind: 'rate_limited'; readonly retryAfter: string; readonly times?: number }
  | { readonly kind: 'fail' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'redirect' }
  | { readonly kind: 'slow'; readonly ms: number };

export interface FakeSlack {
  /** The webhook URL (its last segment is the secret). */
  readonly url: string;
  readonly posted: { readonly text: string; readonly headers: IncomingMessage['headers'] }[];
  readonly requests: { readonly method: string; readonly path: string; readonly body: string }[];
  readonly refused: { readonly status: number; readonly name: string }[];
  behaviour: SlackBehaviour;
  close(): Promise<void>;
}

export async function startFakeSlack(secret = 'xoxwebhooksecret'): Promise<FakeSlack> {
  const path = `/services/T0001/B0001/${secret}`;
  const posted: FakeSlack['posted'] = [];
  const requests: FakeSlack['requests'] = [];
  const refused: FakeSlack['refused'] = [];
  const held: ServerResponse[] = [];
  const state: { behaviour: SlackBehaviour; limited: number } = { behaviour: { kind: 'ok' }, limited: 0 };
  const refuse = (
    res: ServerResponse,
    status: number,
    name: string,
    headers: Record<string, string> = {},
  ) => {
    refused.push({ status, name });
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(name);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      const b = state.behaviour;
      if (b.kind === 'hang') return void held.push(res);
      if (b.kind === 'redirect') return void res.writeHead(302, { location: 'https://slack.com/' }).end();
      if (req.method !== 'POST') return refuse(res, 405, 'invalid_method');
      if (req.url !== path) return refuse(res, 404, 'no_service');
      if (!req.headers['content-type']?.startsWith('application/json'))
        return refuse(res, 400, 'invalid_payload');
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        return refuse(res, 400, 'invalid_payload');
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return refuse(res, 400, 'invalid_payload');
      }
      const text = (payload as { text?: unknown }).text;
      if (typeof text !== 'string' || text.length === 0) return refuse(res, 400, 'no_text');
      if (b.kind === 'error') return refuse(res, b.status, b.name);
      if (b.kind === 'rate_limited' && state.limited < (b.times ?? Number.POSITIVE_INFINITY)) {
        state.limited += 1;
        return refuse(res, 429, 'rate_limited', { 'retry-after': b.retryAfter });
      }
      if (b.kind === 'fail') return void res.writeHead(500).end('internal_error');
      const answer = () => {
        posted.push({ text, headers: req.headers });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      };
      if (b.kind === 'slow') setTimeout(answer, b.ms);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    posted,
    requests,
    refused,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: SlackBehaviour) {
      state.behaviour = value;
      state.limited = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
