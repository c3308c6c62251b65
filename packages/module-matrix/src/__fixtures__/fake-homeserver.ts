import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback Matrix homeserver, the client-server API endpoints this package uses (spec v1.x):
//   GET  /_matrix/client/v3/directory/room/{roomAlias}
//   GET  /_matrix/client/v3/rooms/{roomId}/state/m.room.encryption/      (404 M_NOT_FOUND: unencrypted)
//   PUT  /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}  (idempotent per txnId)
// Authentication by `Authorization: Bearer`; refusals as the spec gives them (`{"errcode", "error"}`):
// M_MISSING_TOKEN / M_UNKNOWN_TOKEN (401), M_FORBIDDEN (403, not joined), M_NOT_FOUND (404),
// M_BAD_JSON / M_NOT_JSON (400), M_LIMIT_EXCEEDED (429 with retry_after_ms and Retry-After).

export interface FakeRoom {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly encrypted?: boolean;
  /** Whether the token's user is in the room (default true). */
  readonly joined?: boolean;
}

export type HomeserverBehaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number; readonly times?: number }
  | { readonly kind: 'fail' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'redirect' }
  | { readonly kind: 'slow'; readonly ms: number };

export interface SentEvent {
  readonly roomId: string;
  readonly txnId: string;
  readonly content: Record<string, unknown>;
}

export interface FakeHomeserver {
  readonly url: string;
  readonly sent: SentEvent[];
  readonly requests: { readonly method: string; readonly path: string; readonly auth?: string }[];
  readonly refused: { readonly status: number; readonly errcode: string }[];
  /** Applies to every endpoint, or to sends only. */
  behaviour: HomeserverBehaviour;
  behaviourFor: 'all' | 'send';
  close(): Promise<void>;
}

const PREFIX = '/_matrix/client/v3';

export async function startFakeHomeserver(options: {
  readonly token: string;
  readonly rooms: readonly FakeRoom[];
  readonly basePath?: string;
}): Promise<FakeHomeserver> {
  const base = options.basePath ?? '';
  const sent: SentEvent[] = [];
  const byTxn = new Map<string, string>();
  const requests: FakeHomeserver['requests'] = [];
  const refused: FakeHomeserver['refused'] = [];
  const held: ServerResponse[] = [];
  const state = {
    behaviour: { kind: 'ok' } as HomeserverBehaviour,
    behaviourFor: 'all' as 'all' | 'send',
    limited: 0,
  };
  const rooms = new Map(options.rooms.map((room) => [room.id, room]));

  const json = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, errcode: string, error: string) => {
    refused.push({ status, errcode });
    json(res, status, { errcode, error });
  };

  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const rawPath = (req.url ?? '').split('?')[0] as string;
      requests.push({
        method: req.method ?? '',
        path: rawPath,
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
      });
      if (!rawPath.startsWith(`${base}${PREFIX}/`))
        return refuse(res, 404, 'M_UNRECOGNIZED', 'Unrecognized request');
      const path = rawPath.slice(base.length + PREFIX.length);
      const auth = req.headers.authorization;
      if (!auth) return refuse(res, 401, 'M_MISSING_TOKEN', 'Missing access token');
      if (auth !== `Bearer ${options.token}`)
        return refuse(res, 401, 'M_UNKNOWN_TOKEN', 'Unknown access token');

      const isSend = /^\/rooms\/[^/]+\/send\//.test(path);
      const b = state.behaviourFor === 'all' || isSend ? state.behaviour : ({ kind: 'ok' } as const);
      if (b.kind === 'hang') return void held.push(res);
      if (b.kind === 'redirect')
        return void res.writeHead(302, { location: 'https://matrix.example/' }).end();
      if (b.kind === 'fail') return refuse(res, 500, 'M_UNKNOWN', 'Internal server error');
      if (b.kind === 'rate_limited' && state.limited < (b.times ?? Number.POSITIVE_INFINITY)) {
        state.limited += 1;
        refused.push({ status: 429, errcode: 'M_LIMIT_EXCEEDED' });
        return json(
          res,
          429,
          { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: b.retryAfterMs },
          { 'retry-after': String(Math.ceil(b.retryAfterMs / 1000)) },
        );
      }
      const answer = () => route(req.method ?? '', path, body, res);
      if (b.kind === 'slow') setTimeout(answer, b.ms);
      else answer();
    });
  });

  function route(method: string, path: string, body: string, res: ServerResponse) {
    let m = /^\/directory\/room\/([^/]+)$/.exec(path);
    if (m) {
      if (method !== 'GET') return refuse(res, 405, 'M_UNRECOGNIZED', 'Unrecognized request');
      const alias = decodeURIComponent(m[1] as string);
      // A raw '#' would have cut the URL short; the alias must arrive encoded.
      if (!(m[1] as string).startsWith('%23')) return refuse(res, 400, 'M_INVALID_PARAM', 'Bad alias');
      const room = [...rooms.values()].find((r) => r.aliases?.includes(alias));
      if (!room) return refuse(res, 404, 'M_NOT_FOUND', `Room alias ${alias} not found`);
      return json(res, 200, { room_id: room.id, servers: ['example.org'] });
    }
    m = /^\/rooms\/([^/]+)\/state\/m\.room\.encryption\/$/.exec(path);
    if (m) {
      if (method !== 'GET') return refuse(res, 405, 'M_UNRECOGNIZED', 'Unrecognized request');
      const room = roomFor(m[1] as string, res);
      if (!room) return;
      if (!room.encrypted) return refuse(res, 404, 'M_NOT_FOUND', 'Event not found.');
      return json(res, 200, { algorithm: 'm.megolm.v1.aes-sha2' });
    }
    m = /^\/rooms\/([^/]+)\/send\/m\.room\.message\/([^/]+)$/.exec(path);
    if (m) {
      if (method !== 'PUT') return refuse(res, 405, 'M_UNRECOGNIZED', 'Unrecognized request');
      const room = roomFor(m[1] as string, res);
      if (!room) return;
      let content: unknown;
      try {
        content = JSON.parse(body);
      } catch {
        return refuse(res, 400, 'M_NOT_JSON', 'Content not JSON.');
      }
      const c = content as Record<string, unknown> | null;
      if (
        typeof c !== 'object' ||
        c === null ||
        typeof c.msgtype !== 'string' ||
        typeof c.body !== 'string'
      ) {
        return refuse(res, 400, 'M_BAD_JSON', 'Body must have msgtype and body');
      }
      const txnId = decodeURIComponent(m[2] as string);
      const key = `${room.id}|${txnId}`;
      let eventId = byTxn.get(key);
      if (!eventId) {
        eventId = `$event${sent.length + 1}`;
        byTxn.set(key, eventId);
        sent.push({ roomId: room.id, txnId, content: c });
      }
      return json(res, 200, { event_id: eventId });
    }
    refuse(res, 404, 'M_UNRECOGNIZED', 'Unrecognized request');
  }

  /** The room a path segment names: an encoded room id of a known room the user has joined. */
  function roomFor(segment: string, res: ServerResponse): FakeRoom | undefined {
    const id = decodeURIComponent(segment);
    // A room id must arrive as one encoded segment ('!' as is, ':' as %3A, as the spec's clients send it).
    if (!id.startsWith('!') || segment.includes(':')) {
      refuse(res, 400, 'M_INVALID_PARAM', `'${id}' is not a valid room ID`);
      return undefined;
    }
    const room = rooms.get(id);
    if (!room || room.joined === false) {
      refuse(res, 403, 'M_FORBIDDEN', 'User not in room');
      return undefined;
    }
    return room;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${base}`,
    sent,
    requests,
    refused,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: HomeserverBehaviour) {
      state.behaviour = value;
      state.limited = 0;
    },
    get behaviourFor() {
      return state.behaviourFor;
    },
    set behaviourFor(value: 'all' | 'send') {
      state.behaviourFor = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
