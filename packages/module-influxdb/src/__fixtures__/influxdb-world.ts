import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModuleHarness, type HarnessOptions, type ModuleHarness } from '@scoped-mcp/testing';
import influxdb from '../index.js';
import { FakeInfluxdb } from './fake-influxdb.js';

export const TOKEN = 'influx_CANARY_tok_3b8e0f19d2';
export const ORG = 'canary-org-77c1';

/** A fake InfluxDB with the bucket `metrics`, a state directory, and a harness per agent. */
export async function influxdbWorld() {
  const server = await new FakeInfluxdb({ token: TOKEN, org: ORG, buckets: ['metrics', 'logs'] }).start();
  const stateDir = await mkdtemp(join(tmpdir(), 'influx-state-'));
  const harnesses: ModuleHarness[] = [];
  return {
    server,
    stateDir,
    async agent(agentId: string, options: HarnessOptions = {}): Promise<ModuleHarness> {
      const harness = await createModuleHarness(influxdb, {
        agentId,
        manifestDir: stateDir,
        config: {
          buckets: ['metrics'],
          state_dir: stateDir,
          org: ORG,
          ...(options.config as object | undefined),
        },
        credentials: { INFLUXDB_URL: server.url, INFLUXDB_TOKEN: TOKEN, ...options.credentials },
        ...(options.mode ? { mode: options.mode } : {}),
      });
      harnesses.push(harness);
      return harness;
    },
    everything(): string {
      return JSON.stringify(harnesses.map((h) => ({ audit: h.audit, ops: h.ops })));
    },
    async close() {
      for (const harness of harnesses) await harness.close();
      await server.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export type InfluxdbWorld = Awaited<ReturnType<typeof influxdbWorld>>;
