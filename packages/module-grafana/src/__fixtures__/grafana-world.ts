import { createModuleHarness, type HarnessOptions, type ModuleHarness } from '@scoped-mcp/testing';
import grafana from '../index.js';
import { FakeGrafana } from './fake-grafana.js';

export const TOKEN = 'glsa_CANARY_tok_91f3a7c2e4';
/** Grafana served under a sub path that exists nowhere else: the URL credential's own canary. */
export const BASE_PATH = '/canary-path-5e1d0b';

/** A fake Grafana and a harness per agent against it. */
export async function grafanaWorld() {
  const server = await new FakeGrafana({ token: TOKEN, basePath: BASE_PATH }).start();
  const harnesses: ModuleHarness[] = [];
  return {
    server,
    async agent(agentId: string, options: HarnessOptions = {}): Promise<ModuleHarness> {
      const harness = await createModuleHarness(grafana, {
        agentId,
        config: { allowed_datasources: ['Prometheus'], ...(options.config as object | undefined) },
        credentials: {
          GRAFANA_URL: server.url,
          GRAFANA_SERVICE_ACCOUNT_TOKEN: TOKEN,
          ...options.credentials,
        },
        ...(options.mode ? { mode: options.mode } : {}),
      });
      harnesses.push(harness);
      return harness;
    },
    /** Every string an agent or operator could read from these harnesses. */
    everything(): string {
      return JSON.stringify(harnesses.map((h) => ({ audit: h.audit, ops: h.ops })));
    },
    async close() {
      for (const harness of harnesses) await harness.close();
      await server.stop();
    },
  };
}

export type GrafanaWorld = Awaited<ReturnType<typeof grafanaWorld>>;
