import { type ModuleLogger, ToolFailure, UpstreamError } from '@scoped-mcp/core';
import type { GrafanaApi } from './grafana-api.js';

// Pages of /api/folders read while looking for the agent's folder: 100,000 folders, far beyond any org.
const FOLDER_PAGE_SIZE = 1000;
const MAX_FOLDER_PAGES = 100;

/**
 * The agent's folder, titled `agent-{agent_id}`: found among Grafana's folders, else created, the first
 * time a tool needs it; its uid is cached for the life of the process. Calls running at the same time
 * share one lookup. Another process of the same agent may create the folder at the same moment: Grafana
 * then refuses the second create (409 or 412) and the folder is read again.
 */
export class AgentFolder {
  readonly title: string;
  readonly #api: GrafanaApi;
  readonly #log: ModuleLogger;
  #uid: Promise<string> | undefined;

  constructor(api: GrafanaApi, agentId: string, log: ModuleLogger) {
    this.title = `agent-${agentId}`;
    this.#api = api;
    this.#log = log;
  }

  /**
   * The folder's uid. `tool` names the call that needs it, for messages; `signal` is that call's
   * cancellation, which ends its wait but not the lookup (it serves every call waiting on it, and has its
   * own deadline per request).
   */
  uid(tool: string, signal?: AbortSignal): Promise<string> {
    if (!this.#uid) {
      this.#uid = this.#resolve(tool);
      this.#uid.catch(() => {
        this.#uid = undefined;
      });
    }
    if (!signal) return this.#uid;
    return untilAborted(this.#uid, signal, tool);
  }

  async #resolve(tool: string): Promise<string> {
    const found = await this.#find(tool);
    if (found !== undefined) return found;
    const created = await this.#api.call({
      method: 'POST',
      path: ['api', 'folders'],
      body: { title: this.title },
      tool,
    });
    if (created.status === 409 || created.status === 412) {
      const again = await this.#find(tool);
      if (again !== undefined) return again;
    }
    const json = this.#api.expectOk(created, tool, `create the agent folder '${this.title}'`);
    const uid = (json as { uid?: unknown } | null)?.uid;
    if (typeof uid !== 'string' || uid === '') {
      throw new UpstreamError('SMCP_UPSTREAM_ERROR', `Grafana created '${this.title}' without a uid`);
    }
    this.#log.info({ folder: this.title, uid }, 'grafana_agent_folder_created');
    return uid;
  }

  async #find(tool: string): Promise<string | undefined> {
    for (let page = 1; page <= MAX_FOLDER_PAGES; page++) {
      const answer = await this.#api.call({
        method: 'GET',
        path: ['api', 'folders'],
        query: { limit: FOLDER_PAGE_SIZE, page },
        tool,
      });
      const folders = this.#api.expectOk(answer, tool, 'list folders');
      if (!Array.isArray(folders)) {
        throw new UpstreamError('SMCP_UPSTREAM_ERROR', 'Grafana answered the folder list with no list');
      }
      for (const folder of folders as { title?: unknown; uid?: unknown }[]) {
        if (folder?.title === this.title && typeof folder.uid === 'string' && folder.uid !== '') {
          return folder.uid;
        }
      }
      if (folders.length < FOLDER_PAGE_SIZE) return undefined;
    }
    return undefined;
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, tool: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new ToolFailure(`${tool} was cancelled`));
  return new Promise<T>((resolve, reject) => {
    const cancelled = () => reject(new ToolFailure(`${tool} was cancelled`));
    signal.addEventListener('abort', cancelled, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', cancelled);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', cancelled);
        reject(error);
      },
    );
  });
}
