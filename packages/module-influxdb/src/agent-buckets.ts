import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModuleConfigError, ToolFailure } from '@scoped-mcp/core';

const MAX_REMEMBERED = 10_000;

/**
 * The buckets this agent created, remembered in a small JSON file so a restart keeps them:
 * `{state_dir}/agents/{agent_id}/{instance}-buckets.json`, `{ "buckets": [names] }`, written whole through a
 * temp file and a rename. A local record, rather than listing `{agent_id}-*` buckets on the server, grants
 * exactly what the agent made: an operator bucket that happens to start with an agent's id, or a bucket of
 * agent `a-b` seen by agent `a` (`a-b-x` is both `a` + `b-x` and `a-b` + `x`), is never picked up.
 * Several processes of one agent share the file; a name not known here is looked up in it again before a
 * refusal, and a create merges with what the file holds.
 */
export class AgentBuckets {
  readonly file: string;
  #known = new Set<string>();

  private constructor(file: string) {
    this.file = file;
  }

  static async open(stateDir: string, agentId: string, instance: string): Promise<AgentBuckets> {
    if (agentId === '' || agentId === '.' || agentId === '..' || /[/\\\0]/.test(agentId)) {
      throw new ModuleConfigError(`influxdb: agent id '${agentId}' cannot name a directory`);
    }
    const buckets = new AgentBuckets(join(stateDir, 'agents', agentId, `${instance}-buckets.json`));
    buckets.#known = await buckets.#read();
    return buckets;
  }

  /** Known to this process, or written to the file by another process of the same agent. */
  async has(bucket: string): Promise<boolean> {
    if (this.#known.has(bucket)) return true;
    this.#known = new Set([...this.#known, ...(await this.#read())]);
    return this.#known.has(bucket);
  }

  get names(): readonly string[] {
    return [...this.#known].sort();
  }

  /**
   * Proves the file can be written, before a bucket is created that it could not remember: a bucket the
   * agent cannot reach after a restart is worse than no bucket.
   */
  async ensureWritable(tool: string): Promise<void> {
    await this.#write(this.#known, tool, 'nothing was created');
  }

  async add(bucket: string, tool: string): Promise<void> {
    const merged = new Set([...(await this.#read()), ...this.#known, bucket]);
    await this.#write(
      merged,
      tool,
      'the bucket was created but this agent will not reach it after a restart',
    );
    this.#known = merged;
  }

  async #read(): Promise<Set<string>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw new ModuleConfigError(
        `influxdb: cannot read the record of created buckets (state_dir): ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ModuleConfigError('influxdb: the record of created buckets in state_dir is not JSON');
    }
    const names = (parsed as { buckets?: unknown } | null)?.buckets;
    if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
      throw new ModuleConfigError(
        'influxdb: the record of created buckets in state_dir has no "buckets" list',
      );
    }
    return new Set(names as string[]);
  }

  async #write(names: ReadonlySet<string>, tool: string, consequence: string): Promise<void> {
    if (names.size > MAX_REMEMBERED) {
      throw new ToolFailure(`${tool}: this agent already created ${MAX_REMEMBERED} buckets`);
    }
    const temp = `${this.file}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify({ buckets: [...names].sort() }, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.file);
    } catch (error) {
      // Where the directory cannot be made, the temp file cannot exist either (rm then fails with ENOTDIR).
      await rm(temp, { force: true }).catch(() => undefined);
      throw new ToolFailure(
        `${tool}: cannot record created buckets in state_dir (${(error as NodeJS.ErrnoException).code ?? 'error'}); ${consequence}`,
      );
    }
  }
}
