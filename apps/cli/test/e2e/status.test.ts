import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, fixturesDir } from '../helpers/paths.js';
import { type InMemoryAgent, startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

interface Status {
  modules: Record<string, { status: string; error?: string; error_type?: string }>;
  failed_count: number;
  total_count: number;
  healthy: boolean;
}

async function readHealthFile(
  path: string,
): Promise<{ text: string; json: Status & { written_at: string } }> {
  const text = await readFile(path, 'utf8');
  return { text, json: JSON.parse(text) as Status & { written_at: string } };
}

function expectRecentIso(value: string, since: number): void {
  expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  expect(Date.parse(value)).toBeGreaterThanOrEqual(since - 1000);
  expect(Date.parse(value)).toBeLessThanOrEqual(Date.now());
}

describe('scoped_mcp_status on a healthy agent', () => {
  let dir: string;
  let agent: InMemoryAgent;
  const started = Date.now();

  beforeAll(async () => {
    dir = await makeTempDir('status-ok');
    agent = await startInMemoryAgent({
      manifest: buildManifest,
      dir,
      env: { SCOPED_MCP_HEALTH_FILE: join(dir, 'health.json') },
    });
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('reports every module running and healthy true', async () => {
    const result = await agent.call('scoped_mcp_status');
    expect(result.isError).toBe(false);
    expect(result.json<Status>()).toMatchObject({
      modules: { filesystem: { status: 'running' }, sqlite: { status: 'running' } },
      failed_count: 0,
      total_count: 2,
      healthy: true,
    });
  });

  it('writes the health file', async () => {
    const { json } = await readHealthFile(join(dir, 'health.json'));
    expect(json).toMatchObject({
      healthy: true,
      failed_count: 0,
      total_count: 2,
      modules: { filesystem: { status: 'running' }, sqlite: { status: 'running' } },
    });
    expectRecentIso(json.written_at, started);
  });
});

describe('scoped_mcp_status with a module failing setup and one failing import', () => {
  let dir: string;
  let agent: InMemoryAgent;
  let healthPath: string;
  const started = Date.now();

  beforeAll(async () => {
    dir = await makeTempDir('status-degraded');
    healthPath = join(dir, 'health.json');
    agent = await startInMemoryAgent({
      manifest: join(fixturesDir, 'degraded-agent.yml'),
      dir,
      agentId: 'degraded-1',
      env: { SCOPED_MCP_HEALTH_FILE: healthPath },
    });
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('starts anyway and reports failed_startup, failed_import and healthy false', async () => {
    const status = (await agent.call('scoped_mcp_status')).json<Status>();
    expect(status).toMatchObject({
      modules: {
        filesystem: { status: 'running' },
        setup_fails: { status: 'failed_startup' },
        import_fails: { status: 'failed_import' },
      },
      failed_count: 2,
      total_count: 3,
      healthy: false,
    });
  });

  it('serves the healthy module and none of the failed ones', async () => {
    const names = (await agent.client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(
      [
        'filesystem_delete_file',
        'filesystem_list_dir',
        'filesystem_read_file',
        'filesystem_write_file',
        'scoped_mcp_status',
      ].sort(),
    );
    expect(
      (await agent.call('filesystem_write_file', { path: 'ok.txt', content: 'still serving' })).isError,
    ).toBe(false);
    expect((await agent.call('filesystem_read_file', { path: 'ok.txt' })).text).toBe('still serving');
    const refused = await agent.call('setup_fails_hello');
    expect(refused.isError).toBe(true);
  });

  it('the health file says unhealthy and carries error types only, never the error text', async () => {
    const { text, json } = await readHealthFile(healthPath);
    expect(json).toMatchObject({
      healthy: false,
      failed_count: 2,
      total_count: 3,
      modules: {
        filesystem: { status: 'running' },
        setup_fails: { status: 'failed_startup', error_type: 'Error' },
        import_fails: { status: 'failed_import' },
      },
    });
    expectRecentIso(json.written_at, started);
    for (const module of Object.values(json.modules)) expect(module).not.toHaveProperty('error');
    for (const detail of [
      'SETUP-DETAIL-7f3a',
      'IMPORT-DETAIL-9c1e',
      'db.internal',
      'exploded',
      fixturesDir,
    ]) {
      expect(text).not.toContain(detail);
    }
  });

  it('the health file names the exception type of an import failure', async () => {
    const { json } = await readHealthFile(healthPath);
    expect(json.modules.import_fails?.error_type).toBe('Error');
  });

  it('the status the agent sees shows no host path outside its scope', async () => {
    const result = await agent.call('scoped_mcp_status');
    expect(result.text).toContain('failed_import');
    expect(result.text).not.toContain(fixturesDir);
  });

  it('the status the agent sees says why each module failed, not only Error', async () => {
    const status = (await agent.call('scoped_mcp_status')).json<Status>();
    expect(status.modules.setup_fails?.error).toBe(
      'Error: setup exploded: SETUP-DETAIL-7f3a connecting to db.internal:5432',
    );
    expect(status.modules.import_fails?.error).toMatch(
      /^modules\.import_fails: importing <path> failed: Error: .*IMPORT-DETAIL-9c1e/,
    );
  });
});
