import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback ntfy server for tests: the publish API as ntfy documents it (POST or PUT /{topic}, the body as
// the message, X-/plain Title, Priority and Tags headers, RFC 2047 encoded-words decoded as ntfy 2.4+ does,
// bearer tokens), refusing what ntfy refuses with ntfy's JSON errors, and answering with the message as
// JSON. `behaviour` makes it rate limit, fail, hang, redirect or answer slowly.

export interface PublishedMessage {
  readonly topic: string;
  readonly message: string;
  readonly title?: string;
  readonly priority: number;
  readonly tags: readonly string[];
  /** The raw request headers, for checks on what went over the wire. */
  readonly headers: IncomingMessage['headers'];
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type NtfyBehaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'rate_limited'; readonly retryAfter?: string; readonly times?: number }
  | { readonly kind: 'fail'; readonly status?: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'redirect' }
  | { readonly kind: 'slow'; readonly ms: number };

export interface FakeNtfy {
  readonly url: string;
  /** Messages ntfy accepted, decoded as ntfy reads them. */
  readonly published: PublishedMessage[];
  /** Every request that reached the server, accepted or not. */
  readonly requests: RawRequest[];
  /** Requests refused, with ntfy's error. */
  readonly refused: { readonly status: number; readonly error: string }[];
  behaviour: NtfyBehaviour;
  close(): Promise<void>;
}

export interface FakeNtfyOptions {
  /** The token publishing needs; without it, anyone may publish. */
  readonly token?: string;
  /** Topics the token may write to (default any). */
  readonly writableTopics?: readonly string[];
  /** A path the server sits under (ntfy behind a reverse proxy): `/base` → topics at `/base/{topic}`. */
  readonly basePath?: string;
}

const TOPIC = /^\/([-_A-Za-z0-9]{1,64})$/;
const PRIORITY: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, urgent: 5, max: 5 };

export async function startFakeNtfy(options: FakeNtfyOptions = {}): Promise<FakeNtfy> {
  const published: PublishedMessage[] = [];
  const requests: RawRequest[] = [];
  const refused: FakeNtfy['refused'] = [];
  const held: ServerResponse[] = [];
  let limited = 0;
  const state: { behaviour: NtfyBehaviour } = { behaviour: { kind: 'ok' } };

  const refuse = (res: ServerResponse, http: number, code: number, error: string) => {
    refused.push({ status: http, error });
    res.writeHead(http, { 'content-type': 'application/json' }).end(JSON.stringify({ code, http, error }));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const behaviour = state.behaviour;
      if (behaviour.kind === 'hang') {
        held.push(res);
        return;
      }
      if (behaviour.kind === 'redirect') {
        res.writeHead(301, { location: `http://127.0.0.1:1/elsewhere${req.url}` }).end();
        return;
      }
      const base = options.basePath ?? '';
      const path = req.url?.startsWith(`${base}/`) ? req.url.slice(base.length) : '';
      const topic = TOPIC.exec(path)?.[1];
      if (req.method !== 'POST' && req.method !== 'PUT') return refuse(res, 405, 40501, 'method not allowed');
      if (!topic) return refuse(res, 404, 40401, 'page not found');
      if (options.token !== undefined) {
        const auth = req.headers.authorization;
        if (!auth) return refuse(res, 403, 40301, 'forbidden');
        if (auth !== `Bearer ${options.token}`) return refuse(res, 401, 40101, 'unauthorized');
        if (options.writableTopics && !options.writableTopics.includes(topic)) {
          return refuse(res, 403, 40301, 'forbidden');
        }
      }
      const priorityHeader = header(req, 'x-priority', 'priority', 'prio', 'p');
      let priority = 3;
      if (priorityHeader !== undefined) {
        const p = PRIORITY[priorityHeader.toLowerCase()] ?? Number(priorityHeader);
        if (!Number.isInteger(p) || p < 1 || p > 5) {
          return refuse(res, 400, 40007, 'invalid request: priority invalid');
        }
        priority = p;
      }
      if (behaviour.kind === 'rate_limited' && limited < (behaviour.times ?? Number.POSITIVE_INFINITY)) {
        limited += 1;
        refused.push({ status: 429, error: 'limit reached: too many requests' });
        res
          .writeHead(429, {
            'content-type': 'application/json',
            ...(behaviour.retryAfter !== undefined ? { 'retry-after': behaviour.retryAfter } : {}),
          })
          .end('{"code":42901,"http":429,"error":"limit reached: too many requests"}');
        return;
      }
      if (behaviour.kind === 'fail') {
        res
          .writeHead(behaviour.status ?? 500)
          .end('{"code":50001,"http":500,"error":"internal server error"}');
        return;
      }
      // ntfy's default message-size-limit; longer bodies become attachments, which this server does not take.
      if (Buffer.byteLength(body) > 4096) {
        return refuse(res, 400, 40014, 'invalid request: attachments not allowed');
      }
      const title = header(req, 'x-title', 'title', 't');
      const tags = header(req, 'x-tags', 'tags', 'tag', 'ta');
      const message: PublishedMessage = {
        topic,
        message: body.length > 0 ? body : 'triggered',
        ...(title !== undefined ? { title: decodeWords(title) } : {}),
        priority,
        tags:
          tags === undefined
            ? []
            : decodeWords(tags)
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean),
        headers: req.headers,
      };
      const answer = () => {
        published.push(message);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: `m${published.length}`,
            time: Math.floor(Date.now() / 1000),
            event: 'message',
            topic,
            message: message.message,
            ...(message.title !== undefined ? { title: message.title } : {}),
            priority,
            tags: message.tags,
          }),
        );
      };
      if (behaviour.kind === 'slow') setTimeout(answer, behaviour.ms);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${options.basePath ?? ''}`,
    published,
    requests,
    refused,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: NtfyBehaviour) {
      state.behaviour = value;
      limited = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** ntfy reads each parameter from any of its header names, X- form first. */
function header(req: IncomingMessage, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = req.headers[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** RFC 2047 encoded-words as Go's mime.WordDecoder (which ntfy uses) decodes them. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, encoding: string, text: string) => {
      if (!/^utf-8$/i.test(charset)) throw new Error(`unexpected charset ${charset}`);
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replaceAll('_', ' ')
                .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            );
      return bytes.toString('utf8');
    });
}
