import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { PreparedTool } from './tool-pipeline.js';

/** Who offers a tool name: a manifest key and that module's own tool key (`''` for core's own tools). */
export interface ToolClaim {
  readonly module: string;
  readonly tool: string;
}

/** Two claims on one exposed name: the one that keeps it and the one left out. */
export interface ToolNameCollision {
  readonly name: string;
  readonly kept: ToolClaim;
  readonly refused: ToolClaim;
}

/** One module instance as the table sees it. */
export interface TableInstance {
  readonly key: string;
  /**
   * Names the instance's static tools have, whether or not its setup succeeded: the manifest and the
   * module package fix them before anything starts, so no tool discovered later may take one.
   */
  readonly reserved: readonly { readonly name: string; readonly tool: string }[];
  /** The tools it serves now (static and discovered). */
  readonly tools: readonly PreparedTool[];
}

/**
 * One line for a person: the name, both modules and both tools, and what to change.
 * `tool name 'work_files_write_file' is offered by module 'work_files' (tool 'write_file') and by
 * module 'work' (tool 'files_write_file'); …`
 */
export function collisionMessage(collision: ToolNameCollision): string {
  const { name, kept, refused } = collision;
  const claim = (c: ToolClaim) =>
    c.module === '' ? "scoped-mcp's built-in tool" : `module '${c.module}' (tool '${c.tool}')`;
  return `tool name '${name}' is offered by ${claim(kept)} and by ${claim(refused)}; rename a manifest key, or leave the tool out (mcp_proxy: tool_denylist)`;
}

/**
 * The tools the agent sees, by exposed name, and which module each name belongs to. A name is never
 * handed from one module to another while its holder offers it: core's own tools come first, then every
 * static tool name (reserved even for a module whose setup failed), then the tools that already held a
 * name, then newcomers in manifest order. A claim that loses is left out and returned, so a tool a
 * proxied upstream adds at run time can never replace (or shadow the description of) a tool the agent
 * already uses.
 */
export class ToolTable {
  private tools = new Map<string, PreparedTool>();
  private definitions: Tool[] = [];

  get(name: string): PreparedTool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  list(): readonly Tool[] {
    return this.definitions;
  }

  /** Replaces the table with the instances' current tools; returns the claims left out. */
  rebuild(instances: readonly TableInstance[], builtIn: readonly PreparedTool[]): ToolNameCollision[] {
    const claims = reserveNames(
      instances,
      builtIn.map((tool) => tool.name),
    );
    const served = instances.flatMap((instance) => instance.tools);
    for (const tool of served) {
      const holder = this.tools.get(tool.name);
      if (holder?.instance === tool.instance) claims.hold(tool.name, claimOf(tool));
    }
    for (const tool of served) claims.claim(tool.name, claimOf(tool));

    const next = new Map<string, PreparedTool>();
    for (const tool of served) if (claims.owns(tool.name, claimOf(tool))) next.set(tool.name, tool);
    for (const tool of builtIn) next.set(tool.name, tool);
    this.tools = next;
    this.definitions = [...next.values()].map((tool) => tool.definition);
    return claims.collisions();
  }
}

/**
 * The collisions among names fixed before anything starts: core's own tools and every instance's static
 * tools (what `scoped-mcp validate` can check without running module code).
 */
export function staticNameCollisions(
  instances: readonly Pick<TableInstance, 'key' | 'reserved'>[],
  builtInNames: readonly string[],
): ToolNameCollision[] {
  return reserveNames(instances, builtInNames).collisions();
}

function reserveNames(
  instances: readonly Pick<TableInstance, 'key' | 'reserved'>[],
  builtInNames: readonly string[],
): Claims {
  const claims = new Claims();
  for (const name of builtInNames) claims.hold(name, { module: '', tool: name });
  for (const instance of instances) {
    for (const { name, tool } of instance.reserved) claims.claim(name, { module: instance.key, tool });
  }
  return claims;
}

function claimOf(tool: PreparedTool): ToolClaim {
  return { module: tool.instance, tool: tool.key };
}

/** Names and their owners, first come first served; every later claim on a held name is a collision. */
class Claims {
  private readonly owners = new Map<string, ToolClaim>();
  private readonly refused = new Map<string, ToolNameCollision>();

  /** Gives an unheld name to its current holder (no collision is possible yet). */
  hold(name: string, claimant: ToolClaim): void {
    if (!this.owners.has(name)) this.owners.set(name, claimant);
  }

  claim(name: string, claimant: ToolClaim): void {
    const owner = this.owners.get(name);
    if (owner === undefined) this.owners.set(name, claimant);
    else if (!same(owner, claimant)) {
      // A static tool claims its name twice (reserved, then served): the pair is reported once.
      this.refused.set(`${name}\0${claimant.module}\0${claimant.tool}`, {
        name,
        kept: owner,
        refused: claimant,
      });
    }
  }

  owns(name: string, claimant: ToolClaim): boolean {
    const owner = this.owners.get(name);
    return owner !== undefined && same(owner, claimant);
  }

  collisions(): ToolNameCollision[] {
    return [...this.refused.values()];
  }
}

function same(a: ToolClaim, b: ToolClaim): boolean {
  return a.module === b.module && a.tool === b.tool;
}
