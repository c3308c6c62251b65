import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake Grafana received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path after the base path, without the query. */
  readonly path: string;
  /** The raw path as sent (percent-encoding kept). */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

export interface FakeDashboard {
  dashboard: Record<string, unknown>;
  folderUid: string | undefined;
}

/** A canned answer for one request, instead of the fake's own behaviour. */
export interface Override {
  readonly status: number;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

export interface FakeGrafanaOptions {
  readonly token: string;
  /** Path Grafana is served under (root_url with a sub path), e.g. '/grafana'. */
  readonly basePath?: string;
}

const uid = () => randomBytes(6).toString('hex');

/** An answer was written. */
type Sent = true;

/**
 * A loopback Grafana that implements the HTTP API paths the module uses, as Grafana documents them: bearer
 * authentication, JSON bodies checked (wrong method 405, bad JSON or missing fields 400, unknown uid 404,
 * version mismatch 412), answers in Grafana's shape and its `{ "message": … }` errors. It records every
 * request, so a test proves what was (or was not) sent.
 */
export class FakeGrafana {
  readonly requests: RecordedRequest[] = [];
  readonly folders: { id: number; uid: string; title: string }[] = [];
  readonly dashboards = new Map<string, FakeDashboard>();
  readonly datasources: Record<string, unknown>[] = [];
  readonly alertRules: Record<string, unknown>[] = [];
  /** Next answers by `METHOD /path` (after the base path), consumed in order. */
  readonly overrides = new Map<string, Override[]>();
  /** Answer searches for every dashboard, ignoring folderUIDs (an old or misbehaving Grafana). */
  ignoreFolderFilter = false;
  url = '';
  #server: Server | undefined;
  #nextId = 1;
  readonly #options: FakeGrafanaOptions;

  constructor(options: FakeGrafanaOptions) {
    this.#options = options;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${this.#options.basePath ?? ''}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  override(route: string, ...answers: Override[]): void {
    this.overrides.set(route, [...(this.overrides.get(route) ?? []), ...answers]);
  }

  addFolder(title: string, folderUid = uid()): string {
    this.folders.push({ id: this.#nextId++, uid: folderUid, title });
    return folderUid;
  }

  addDashboard(title: string, folderUid: string | undefined, dashboardUid = uid()): string {
    this.dashboards.set(dashboardUid, {
      dashboard: { id: this.#nextId++, uid: dashboardUid, title, panels: [], version: 1, schemaVersion: 38 },
      folderUid,
    });
    return dashboardUid;
  }

  addDatasource(name: string, type = 'prometheus', extra: Record<string, unknown> = {}): string {
    const dsUid = uid();
    this.datasources.push({
      id: this.#nextId++,
      uid: dsUid,
      orgId: 1,
      name,
      type,
      typeName: 'Prometheus',
      access: 'proxy',
      url: 'http://prometheus.internal:9090',
      user: 'scraper',
      database: '',
      basicAuth: false,
      isDefault: false,
      jsonData: { httpMethod: 'POST' },
      readOnly: false,
      ...extra,
    });
    return dsUid;
  }

  /** Requests other than the folder lookup, which any tool may make first. */
  get backendRequests(): RecordedRequest[] {
    return this.requests.filter((r) => !(r.path === '/api/folders'));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<Sent | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const base = this.#options.basePath ?? '';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): Sent => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
      return true;
    };
    if (!url.pathname.startsWith(`${base}/`)) return send(404, { message: 'Not found' });
    const path = decodeURIComponent(url.pathname.slice(base.length));
    let body: unknown;
    if (raw !== '') {
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        return send(415, { message: 'Unsupported Media Type' });
      }
      try {
        body = JSON.parse(raw);
      } catch {
        this.requests.push({
          method: req.method ?? '',
          path,
          rawPath: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: raw,
        });
        return send(400, { message: 'bad request data' });
      }
    }
    this.requests.push({
      method: req.method ?? '',
      path,
      rawPath: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    if (req.headers.authorization !== `Bearer ${this.#options.token}`) {
      return send(401, { message: 'Unauthorized', messageId: 'auth.unauthorized', statusCode: 401 });
    }
    const route = `${req.method} ${path}`;
    const canned = this.overrides.get(route)?.shift();
    if (canned) {
      if (canned.delayMs) await new Promise((resolve) => setTimeout(resolve, canned.delayMs));
      if (res.destroyed) return undefined;
      res.writeHead(canned.status, { 'content-type': 'application/json', ...canned.headers });
      res.end(canned.rawBody ?? (canned.body === undefined ? '' : JSON.stringify(canned.body)));
      return true;
    }
    return this.#route(req.method ?? '', path, url.searchParams, body, send);
  }

  #route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    send: (status: number, body: unknown, headers?: Record<string, string>) => Sent,
  ): Sent {
    const object = (value: unknown): value is Record<string, unknown> =>
      typeof value === 'object' && value !== null && !Array.isArray(value);
    const allow = (...methods: string[]) => {
      if (methods.includes(method)) return true;
      send(405, { message: 'Method Not Allowed' });
      return false;
    };
    const refused: Sent = true;
    const dashboardPath = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(path);
    const datasourcePath = /^\/api\/datasources\/name\/(.+)$/.exec(path);
    if (path === '/api/folders') {
      if (!allow('GET', 'POST')) return refused;
      if (method === 'GET') {
        const limit = Number(query.get('limit') ?? 1000);
        const page = Number(query.get('page') ?? 1);
        const list = this.folders.slice((page - 1) * limit, page * limit);
        return send(
          200,
          list.map(({ id, uid: u, title }) => ({ id, uid: u, title })),
        );
      }
      if (!object(body) || typeof body.title !== 'string' || body.title === '') {
        return send(400, { message: 'folder title cannot be empty' });
      }
      if (this.folders.some((f) => f.title === body.title)) {
        return send(409, { message: 'a folder with the same name already exists' });
      }
      const folderUid = this.addFolder(body.title);
      return send(200, { id: this.#nextId - 1, uid: folderUid, title: body.title, version: 1 });
    }
    if (path === '/api/search') {
      if (!allow('GET')) return refused;
      const folderUids = query.getAll('folderUIDs').flatMap((v) => v.split(','));
      const hits = [...this.dashboards.entries()]
        .filter(
          ([, d]) =>
            this.ignoreFolderFilter || folderUids.length === 0 || folderUids.includes(d.folderUid ?? ''),
        )
        .map(([u, d]) => ({
          id: d.dashboard.id,
          uid: u,
          title: d.dashboard.title,
          uri: `db/${u}`,
          url: `/d/${u}`,
          type: 'dash-db',
          tags: [],
          isStarred: false,
          ...(d.folderUid ? { folderUid: d.folderUid, folderTitle: this.#folderTitle(d.folderUid) } : {}),
        }));
      return send(200, hits);
    }
    if (dashboardPath) {
      const match = dashboardPath;
      if (!allow('GET', 'DELETE')) return refused;
      const found = this.dashboards.get(match[1] ?? '');
      if (!found) return send(404, { message: 'Dashboard not found', status: 'not-found' });
      if (method === 'DELETE') {
        this.dashboards.delete(match[1] ?? '');
        return send(200, {
          title: found.dashboard.title,
          message: `Dashboard ${String(found.dashboard.title)} deleted`,
          id: found.dashboard.id,
        });
      }
      return send(200, {
        dashboard: found.dashboard,
        meta: {
          type: 'db',
          slug: 'x',
          version: found.dashboard.version,
          folderUid: found.folderUid ?? '',
          folderTitle: found.folderUid ? this.#folderTitle(found.folderUid) : 'General',
          canSave: true,
        },
      });
    }
    if (path === '/api/dashboards/db') {
      if (!allow('POST')) return refused;
      if (!object(body) || !object(body.dashboard)) return send(400, { message: 'bad request data' });
      const dashboard = body.dashboard;
      if (typeof dashboard.title !== 'string' || dashboard.title.trim() === '') {
        return send(400, { message: 'Dashboard title cannot be empty', status: 'empty-name' });
      }
      const folderUid = typeof body.folderUid === 'string' ? body.folderUid : undefined;
      if (folderUid && !this.folders.some((f) => f.uid === folderUid)) {
        return send(400, { message: 'folder not found', status: 'folder-not-found' });
      }
      const existingUid = typeof dashboard.uid === 'string' ? dashboard.uid : undefined;
      const existing = existingUid ? this.dashboards.get(existingUid) : undefined;
      if (existing && body.overwrite !== true && dashboard.version !== existing.dashboard.version) {
        return send(412, {
          message: 'The dashboard has been changed by someone else',
          status: 'version-mismatch',
        });
      }
      const sameName = [...this.dashboards.entries()].find(
        ([u, d]) => u !== existingUid && d.folderUid === folderUid && d.dashboard.title === dashboard.title,
      );
      if (sameName && body.overwrite !== true) {
        return send(412, {
          message: 'A dashboard with the same name in the folder already exists',
          status: 'name-exists',
        });
      }
      const newUid = existingUid ?? uid();
      const version = existing ? Number(existing.dashboard.version) + 1 : 1;
      const id = existing ? existing.dashboard.id : this.#nextId++;
      this.dashboards.set(newUid, { dashboard: { ...dashboard, id, uid: newUid, version }, folderUid });
      return send(200, {
        id,
        uid: newUid,
        url: `/d/${newUid}/x`,
        status: 'success',
        version,
        slug: 'x',
        folderUid: folderUid ?? '',
      });
    }
    if (path === '/api/datasources') {
      if (!allow('GET')) return refused;
      return send(200, this.datasources);
    }
    if (datasourcePath) {
      const match = datasourcePath;
      if (!allow('GET')) return refused;
      const found = this.datasources.find((d) => d.name === match?.[1]);
      return found ? send(200, found) : send(404, { message: 'Data source not found' });
    }
    if (path === '/api/ds/query') {
      if (!allow('POST')) return refused;
      if (!object(body) || !Array.isArray(body.queries) || body.queries.length === 0) {
        return send(400, { message: 'No queries found in query' });
      }
      if (typeof body.from !== 'string' || typeof body.to !== 'string') {
        return send(400, { message: 'invalid time range' });
      }
      const results: Record<string, unknown> = {};
      for (const q of body.queries as unknown[]) {
        if (!object(q) || !object(q.datasource) || typeof q.datasource.uid !== 'string') {
          return send(400, { message: 'query missing datasource info' });
        }
        const dsUid = q.datasource.uid;
        if (!this.datasources.some((d) => d.uid === dsUid)) {
          return send(404, { message: 'Data source not found' });
        }
        const refId = typeof q.refId === 'string' ? q.refId : 'A';
        results[refId] = {
          status: 200,
          frames: [
            {
              schema: { refId, fields: [{ name: 'Time' }, { name: 'Value' }] },
              data: { values: [[1], [2]] },
            },
          ],
        };
      }
      return send(200, { results });
    }
    if (path === '/api/v1/provisioning/alert-rules') {
      if (!allow('POST')) return refused;
      if (!object(body)) return send(400, { message: 'bad request data' });
      for (const field of [
        'title',
        'condition',
        'folderUID',
        'ruleGroup',
        'for',
        'noDataState',
        'execErrState',
      ]) {
        if (typeof body[field] !== 'string' || body[field] === '') {
          return send(400, { message: `invalid alert rule: ${field} is required` });
        }
      }
      if (!Array.isArray(body.data) || body.data.length === 0) {
        return send(400, { message: 'invalid alert rule: no queries or expressions are found' });
      }
      if (!this.folders.some((f) => f.uid === body.folderUID)) {
        return send(400, { message: 'invalid alert rule: folder does not exist' });
      }
      const rule = { ...body, uid: uid(), id: this.#nextId++, orgID: 1, updated: new Date(0).toISOString() };
      this.alertRules.push(rule);
      return send(201, rule);
    }
    return send(404, { message: 'Not found' });
  }

  #folderTitle(folderUid: string): string {
    return this.folders.find((f) => f.uid === folderUid)?.title ?? '';
  }
}
