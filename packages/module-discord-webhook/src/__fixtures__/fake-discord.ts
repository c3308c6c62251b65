import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback Discord webhook: POST /api/webhooks/{id}/{token}[?wait=true] with JSON `content` (1-2000
// characters) and optional `allowed_mentions`; answers 200 with the message object when `wait=true`, else
// 204; refuses as Discord does with `{"code", "message"}` (400 50006 empty message, 400 50035 invalid form
// body, 401 50027 invalid token, 404 10015 Unknown Webhook) and 429 with both `Retry-After` and a JSON
// `retry_after` in seconds.

export type DiscordBehaviour =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'rate_limited';
      readonly retryAfter: number;
      readonly times?: number;
      readonly header?: boolean;
    }
  | { readonly kind: 'fail' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'redirect' }
  | { readonly kind: 'slow'; readonly ms: number };

export interface DiscordPost {
  readonly content: string;
  readonly allowed_mentions?: unknown;
  readonly query: string;
}

export interface FakeDiscord {
  readonly url: string;
  readonly posted: DiscordPost[];
  readonly requests: { readonly method: string; readonly path: string; readonly body: string }[];
  readonly refused: { readonly status: number; readonly code: number }[];
  behaviour: DiscordBehaviour;
  close(): Promise<void>;
}

export async function startFakeDiscord(token = 'webhooktoken123'): Promise<FakeDiscord> {
  const path = `/api/webhooks/112233445566778899/${token}`;
  const posted: DiscordPost[] = [];
  const requests: FakeDiscord['requests'] = [];
  const refused: FakeDiscord['refused'] = [];
  const held: ServerResponse[] = [];
  const state: { behaviour: DiscordBehaviour; limited: number } = { behaviour: { kind: 'ok' }, limited: 0 };
  const refuse = (res: ServerResponse, status: number, code: number, message: string, extra = {}) => {
    refused.push({ status, code });
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code, message, ...extra }));
  };

  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      const b = state.behaviour;
      if (b.kind === 'hang') return void held.push(res);
      if (b.kind === 'redirect') return void res.writeHead(308, { location: 'https://discord.com/' }).end();
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.startsWith('/api/webhooks/112233445566778899/') && url.pathname !== path) {
        return refuse(res, 401, 50027, 'Invalid Webhook Token');
      }
      if (url.pathname.startsWith('/api/webhooks/') && url.pathname !== path) {
        return refuse(res, 404, 10015, 'Unknown Webhook');
      }
      if (url.pathname !== path) return refuse(res, 404, 0, '404: Not Found');
      if (req.method !== 'POST') return refuse(res, 405, 0, '405: Method Not Allowed');
      if (!req.headers['content-type']?.startsWith('application/json')) {
        return refuse(res, 400, 50006, 'Cannot send an empty message');
      }
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return refuse(res, 400, 50109, 'The request body contains invalid JSON.');
      }
      const content = payload.content;
      if (typeof content !== 'string' || content.length === 0) {
        return refuse(res, 400, 50006, 'Cannot send an empty message');
      }
      if (Array.from(content).length > 2000) return refuse(res, 400, 50035, 'Invalid Form Body');
      if (b.kind === 'rate_limited' && state.limited < (b.times ?? Number.POSITIVE_INFINITY)) {
        state.limited += 1;
        refused.push({ status: 429, code: 0 });
        res
          .writeHead(429, {
            'content-type': 'application/json',
            ...(b.header === false ? {} : { 'retry-after': String(Math.ceil(b.retryAfter)) }),
          })
          .end(
            JSON.stringify({
              message: 'You are being rate limited.',
              retry_after: b.retryAfter,
              global: false,
            }),
          );
        return;
      }
      if (b.kind === 'fail') return void res.writeHead(502).end('<html>bad gateway</html>');
      const answer = () => {
        posted.push({
          content,
          ...(payload.allowed_mentions !== undefined ? { allowed_mentions: payload.allowed_mentions } : {}),
          query: url.search,
        });
        if (url.searchParams.get('wait') === 'true') {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ id: String(posted.length), type: 0, content, channel_id: '42', mentions: [] }),
            );
        } else {
          res.writeHead(204).end();
        }
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
    set behaviour(value: DiscordBehaviour) {
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
