import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The body as text. */
  readonly body: string;
}

export interface StoredPoint {
  readonly measurement: string;
  readonly tags: Record<string, string>;
  readonly fields: Record<string, string | number | boolean>;
  readonly time: string | undefined;
}

export interface Override {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
}

/** A table of a query answer: columns (name, annotated type) and rows of cell texts. */
export interface CsvTable {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly (readonly string[])[];
}

const id = () => randomBytes(8).toString('hex');
/** An answer was written. */
type Sent = true;

/**
 * A loopback InfluxDB v2 implementing the endpoints the module uses as InfluxDB documents them:
 * `Authorization: Token`, `/api/v2/query` (JSON or Flux body, annotated CSV answer, several tables),
 * `/api/v2/write` (line protocol parsed: a malformed line is refused with 400 as InfluxDB does),
 * `/api/v2/buckets` GET/POST, `/api/v2/orgs`, `/api/v2/delete`; errors as `{ "code", "message" }`.
 * It does not run Flux: a query answers the points of its bucket, the schema functions their keys, or a
 * canned answer. Every request is recorded.
 */
export class FakeInfluxdb {
  readonly requests: RecordedRequest[] = [];
  readonly orgs: { id: string; name: string }[] = [];
  readonly buckets: { id: string; orgID: string; name: string; retentionRules: unknown[] }[] = [];
  readonly points = new Map<string, StoredPoint[]>();
  readonly overrides = new Map<string, Override[]>();
  /** Tables the next queries answer instead of the bucket's points, in order. */
  readonly cannedQueries: CsvTable[][] = [];
  url = '';
  #server: Server | undefined;
  readonly #token: string;

  constructor(options: { token: string; org: string; buckets?: readonly string[] }) {
    this.#token = options.token;
    const org = { id: id(), name: options.org };
    this.orgs.push(org);
    for (const name of options.buckets ?? []) this.addBucket(name);
  }

  addBucket(name: string): void {
    this.buckets.push({ id: id(), orgID: this.orgs[0]?.id ?? '', name, retentionRules: [] });
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  override(route: string, ...answers: Override[]): void {
    this.overrides.set(route, [...(this.overrides.get(route) ?? []), ...answers]);
  }

  /** The Flux texts received, in order. */
  get fluxQueries(): string[] {
    return this.requests
      .filter((r) => r.path === '/api/v2/query')
      .map((r) =>
        String(r.headers['content-type']).startsWith('application/json') ? JSON.parse(r.body).query : r.body,
      );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<Sent | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}): Sent => {
      res.writeHead(
        status,
        payload === undefined ? headers : { 'content-type': 'application/json; charset=utf-8', ...headers },
      );
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
      return true;
    };
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    if (req.headers.authorization !== `Token ${this.#token}`) {
      return send(401, { code: 'unauthorized', message: 'unauthorized access' });
    }
    const canned = this.overrides.get(`${req.method} ${url.pathname}`)?.shift();
    if (canned) {
      if (canned.delayMs) await new Promise((resolve) => setTimeout(resolve, canned.delayMs));
      if (res.destroyed) return undefined;
      res.writeHead(canned.status, { 'content-type': 'application/json; charset=utf-8', ...canned.headers });
      res.end(canned.body ?? '');
      return true;
    }
    return this.#route(req, url, body, send, res);
  }

  #route(
    req: IncomingMessage,
    url: URL,
    body: string,
    send: (status: number, payload?: unknown, headers?: Record<string, string>) => Sent,
    res: ServerResponse,
  ): Sent {
    const method = req.method ?? '';
    const contentType = String(req.headers['content-type'] ?? '');
    const wrongMethod = (...allowed: string[]) =>
      allowed.includes(method)
        ? undefined
        : send(405, { code: 'method not allowed', message: 'method not allowed' });
    const orgOf = (name: string | null) => this.orgs.find((o) => o.name === name || o.id === name);
    const bucketOf = (name: string | null) => this.buckets.find((b) => b.name === name);

    switch (url.pathname) {
      case '/api/v2/orgs': {
        if (wrongMethod('GET')) return true;
        const name = url.searchParams.get('org');
        const found = name === null ? this.orgs : this.orgs.filter((o) => o.name === name);
        if (name !== null && found.length === 0) {
          return send(404, { code: 'not found', message: `organization name "${name}" not found` });
        }
        return send(200, { orgs: found });
      }
      case '/api/v2/buckets': {
        if (wrongMethod('GET', 'POST')) return true;
        if (method === 'GET') {
          const name = url.searchParams.get('name');
          return send(200, { buckets: this.buckets.filter((b) => name === null || b.name === name) });
        }
        if (!contentType.startsWith('application/json'))
          return send(415, { code: 'invalid', message: 'unsupported media type' });
        let parsed: { orgID?: unknown; name?: unknown; retentionRules?: unknown };
        try {
          parsed = JSON.parse(body);
        } catch {
          return send(400, { code: 'invalid', message: 'malformed JSON' });
        }
        if (typeof parsed.orgID !== 'string' || typeof parsed.name !== 'string' || parsed.name === '') {
          return send(400, { code: 'invalid', message: 'bucket name and orgID are required' });
        }
        if (!orgOf(parsed.orgID)) return send(404, { code: 'not found', message: 'organization not found' });
        if (parsed.name.startsWith('_'))
          return send(400, { code: 'invalid', message: 'bucket name cannot start with underscore' });
        if (this.buckets.some((b) => b.name === parsed.name)) {
          return send(422, { code: 'conflict', message: `bucket with name ${parsed.name} already exists` });
        }
        const rules = Array.isArray(parsed.retentionRules) ? parsed.retentionRules : [];
        const bucket = { id: id(), orgID: parsed.orgID, name: parsed.name, retentionRules: rules };
        this.buckets.push(bucket);
        return send(201, { ...bucket, type: 'user', createdAt: new Date(0).toISOString() });
      }
      case '/api/v2/write': {
        if (wrongMethod('POST')) return true;
        if (!orgOf(url.searchParams.get('org')))
          return send(404, { code: 'not found', message: 'organization not found' });
        const bucket = url.searchParams.get('bucket');
        if (!bucketOf(bucket))
          return send(404, { code: 'not found', message: `bucket "${bucket}" not found` });
        if (!['ns', null].includes(url.searchParams.get('precision')))
          return send(400, { code: 'invalid', message: 'invalid precision' });
        if (!contentType.startsWith('text/plain'))
          return send(415, { code: 'invalid', message: 'unsupported media type' });
        const parsed: StoredPoint[] = [];
        for (const line of splitLines(body)) {
          if (line.trim() === '' || line.startsWith('#')) continue;
          const point = parseLine(line);
          if (typeof point === 'string') {
            return send(400, { code: 'invalid', message: `unable to parse '${line}': ${point}` });
          }
          parsed.push(point);
        }
        this.points.set(bucket ?? '', [...(this.points.get(bucket ?? '') ?? []), ...parsed]);
        return send(204);
      }
      case '/api/v2/delete': {
        if (wrongMethod('POST')) return true;
        if (!orgOf(url.searchParams.get('org')))
          return send(404, { code: 'not found', message: 'organization not found' });
        const bucket = url.searchParams.get('bucket');
        if (!bucketOf(bucket))
          return send(404, { code: 'not found', message: `bucket "${bucket}" not found` });
        let parsed: { start?: unknown; stop?: unknown; predicate?: unknown };
        try {
          parsed = JSON.parse(body);
        } catch {
          return send(400, { code: 'invalid', message: 'malformed JSON' });
        }
        const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
        if (
          typeof parsed.start !== 'string' ||
          !rfc3339.test(parsed.start) ||
          typeof parsed.stop !== 'string' ||
          !rfc3339.test(parsed.stop)
        ) {
          return send(400, {
            code: 'invalid',
            message: 'invalid request; error parsing request json: invalid RFC3339Nano',
          });
        }
        const predicate = /^_measurement="([^"\\]*)"$/.exec(String(parsed.predicate ?? ''));
        if (parsed.predicate !== undefined && !predicate) {
          return send(400, { code: 'invalid', message: 'invalid request; error parsing predicate' });
        }
        const kept = (this.points.get(bucket ?? '') ?? []).filter(
          (p) => predicate && p.measurement !== predicate[1],
        );
        this.points.set(bucket ?? '', kept);
        return send(204);
      }
      case '/api/v2/query': {
        if (wrongMethod('POST')) return true;
        if (!orgOf(url.searchParams.get('org'))) {
          return send(404, {
            code: 'not found',
            message: `organization name "${url.searchParams.get('org')}" not found`,
          });
        }
        const accept = String(req.headers.accept ?? '*/*');
        if (!/text\/csv|\*\/\*|application\/csv/.test(accept))
          return send(406, { code: 'invalid', message: 'not acceptable' });
        let flux: string;
        if (contentType.startsWith('application/json')) {
          try {
            const parsed = JSON.parse(body) as { query?: unknown; type?: unknown };
            if (typeof parsed.query !== 'string') throw new Error('no query');
            if (parsed.type !== undefined && parsed.type !== 'flux') throw new Error('not flux');
            flux = parsed.query;
          } catch {
            return send(400, { code: 'invalid', message: 'failed to decode request body' });
          }
        } else if (contentType.startsWith('application/vnd.flux')) {
          flux = body;
        } else {
          return send(400, { code: 'invalid', message: `unsupported content type "${contentType}"` });
        }
        const bucketName = /bucket: "((?:[^"\\]|\\.)*)"/.exec(flux)?.[1];
        const bucketText = bucketName === undefined ? undefined : JSON.parse(`"${bucketName}"`);
        if (!bucketOf(bucketText)) {
          return send(404, {
            code: 'not found',
            message: `failed to initialize execute state: could not find bucket "${bucketText}"`,
          });
        }
        const tables = this.cannedQueries.shift() ?? this.#answer(flux, this.points.get(bucketText) ?? []);
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
        res.end(annotatedCsv(tables));
        return true;
      }
      default:
        return send(404, { code: 'not found', message: 'path not found' });
    }
  }

  #answer(flux: string, points: readonly StoredPoint[]): CsvTable[] {
    const keys = (values: Iterable<string>): CsvTable[] => [
      {
        columns: [
          { name: 'result', type: 'string' },
          { name: 'table', type: 'long' },
          { name: '_value', type: 'string' },
        ],
        rows: [...new Set(values)].sort().map((value) => ['_result', '0', value]),
      },
    ];
    const measurementArg = /measurement: "((?:[^"\\]|\\.)*)"/.exec(flux)?.[1];
    const of = points.filter(
      (p) => measurementArg === undefined || p.measurement === JSON.parse(`"${measurementArg}"`),
    );
    if (flux.includes('schema.measurements(')) return keys(points.map((p) => p.measurement));
    if (flux.includes('schema.measurementFieldKeys(')) return keys(of.flatMap((p) => Object.keys(p.fields)));
    if (flux.includes('schema.measurementTagKeys(')) {
      return keys(['_field', '_measurement', '_start', '_stop', ...of.flatMap((p) => Object.keys(p.tags))]);
    }
    // One table per series (measurement, field), as InfluxDB groups them.
    const series = new Map<string, StoredPoint[]>();
    for (const point of points) {
      for (const field of Object.keys(point.fields)) {
        const key = `${point.measurement}\u0000${field}`;
        series.set(key, [...(series.get(key) ?? []), point]);
      }
    }
    return [...series.entries()].map(([key, members], index) => {
      const [measurement, field] = key.split('\u0000') as [string, string];
      const tagKeys = [...new Set(members.flatMap((p) => Object.keys(p.tags)))].sort();
      const sample = members[0]?.fields[field];
      const type = typeof sample === 'boolean' ? 'boolean' : typeof sample === 'number' ? 'double' : 'string';
      return {
        columns: [
          { name: 'result', type: 'string' },
          { name: 'table', type: 'long' },
          { name: '_time', type: 'dateTime:RFC3339' },
          { name: '_value', type },
          { name: '_field', type: 'string' },
          { name: '_measurement', type: 'string' },
          ...tagKeys.map((name) => ({ name, type: 'string' })),
        ],
        rows: members.map((p) => [
          '_result',
          String(index),
          new Date(Number(BigInt(p.time ?? '0') / 1_000_000n)).toISOString(),
          String(p.fields[field]),
          field,
          measurement,
          ...tagKeys.map((k) => p.tags[k] ?? ''),
        ]),
      };
    });
  }
}

/** Annotated CSV as InfluxDB writes it: annotations, a header per table, values quoted when they need it. */
export function annotatedCsv(tables: readonly CsvTable[]): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return tables
    .map((table) => {
      const lines = [
        `#datatype,${table.columns.map((c) => c.type).join(',')}`,
        `#group,${table.columns.map((c) => (c.name === '_measurement' || c.name === '_field' ? 'true' : 'false')).join(',')}`,
        `#default,${table.columns.map((c) => (c.name === 'result' ? '_result' : '')).join(',')}`,
        `,${table.columns.map((c) => c.name).join(',')}`,
        ...table.rows.map((row) => `,${row.map(cell).join(',')}`),
      ];
      return `${lines.join('\r\n')}\r\n`;
    })
    .join('\r\n');
}

/** Lines of a line-protocol body: a newline inside a quoted field value does not end a line. */
function splitLines(body: string): string[] {
  const lines: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\' && i + 1 < body.length) {
      current += c + body[i + 1];
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === '\n' && !quoted) {
      lines.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  lines.push(current);
  return lines;
}

/** One line of line protocol, or why it is malformed (InfluxDB's own rules, for what the module sends). */
export function parseLine(line: string): StoredPoint | string {
  let i = 0;
  const readUntil = (stops: string): string | undefined => {
    let out = '';
    while (i < line.length && !stops.includes(line[i] as string)) {
      if (line[i] === '\\' && i + 1 < line.length && ', ="\\'.includes(line[i + 1] as string)) {
        out += line[i + 1];
        i += 2;
        continue;
      }
      if (line[i] === '\n' || line[i] === '\r') return undefined;
      out += line[i];
      i++;
    }
    return out;
  };
  const measurement = readUntil(', ');
  if (!measurement) return 'missing measurement';
  const tags: Record<string, string> = {};
  while (line[i] === ',') {
    i++;
    const key = readUntil('=, ');
    if (!key || line[i] !== '=') return 'missing tag key';
    i++;
    const value = readUntil(', ');
    if (!value) return 'missing tag value';
    tags[key] = value;
  }
  if (line[i] !== ' ') return 'missing fields';
  i++;
  const fields: Record<string, string | number | boolean> = {};
  for (;;) {
    const key = readUntil('=, ');
    if (!key || line[i] !== '=') return 'missing field key';
    i++;
    if (line[i] === '"') {
      i++;
      let value = '';
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          value += line[i + 1];
          i += 2;
          continue;
        }
        value += line[i];
        i++;
      }
      if (line[i] !== '"') return 'unterminated string field value';
      i++;
      fields[key] = value;
    } else {
      const raw = readUntil(', ') ?? '';
      if (/^-?\d+i$/.test(raw)) fields[key] = Number(raw.slice(0, -1));
      else if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) fields[key] = Number(raw);
      else if (/^(t|T|true|True|TRUE)$/.test(raw)) fields[key] = true;
      else if (/^(f|F|false|False|FALSE)$/.test(raw)) fields[key] = false;
      else return `invalid field value '${raw}'`;
    }
    if (line[i] === ',') {
      i++;
      continue;
    }
    break;
  }
  let time: string | undefined;
  if (line[i] === ' ') {
    i++;
    time = line.slice(i);
    if (!/^-?\d{1,19}$/.test(time)) return 'invalid timestamp';
    i = line.length;
  }
  if (i !== line.length) return 'unexpected text after the fields';
  return { measurement, tags, fields, time };
}
