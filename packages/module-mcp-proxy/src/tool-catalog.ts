import { type AnyToolDefinition, type ModuleLogger, UpstreamError } from '@scoped-mcp/core';
import { ToolSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CompiledCheck } from './arg-validator.js';
import type { McpProxyConfig } from './config.js';
import type { JsonObject } from './passthrough.js';
import {
  checkPin,
  definitionHash,
  type InstancePins,
  type PinnedDefinition,
  pinnedDefinition,
} from './pins.js';
import { MAX_EXPOSED_NAME, normaliseToolName } from './tool-names.js';

/** One upstream tool as offered (or withheld): everything a call needs, computed when the list arrives. */
export interface CatalogEntry {
  /** Normalised name: the tool key, exposed as `<instance>_<key>`. */
  readonly key: string;
  readonly exposedName: string;
  /** The upstream's own spelling, used on the wire. */
  readonly upstreamName: string;
  readonly raw: JsonObject;
  readonly definition: PinnedDefinition;
  readonly hash: string;
  /** Compiled on first call (compiling every tool of 17 upstreams at startup would cost seconds). */
  argumentCheck?: CompiledCheck;
}

export type PinningMode = McpProxyConfig['pinning'];

export interface CatalogOptions {
  readonly instance: string;
  readonly pinning: PinningMode;
  readonly filter: (upstreamName: string) => boolean;
  readonly allowlist: readonly string[];
  readonly log: ModuleLogger;
  /** Builds the definition core registers for an entry (the handler closes over the entry). */
  readonly toolFor: (entry: CatalogEntry) => AnyToolDefinition<McpProxyConfig, unknown>;
}

export interface Listing {
  /** Tools offered to the agent, by key. */
  readonly offered: ReadonlyMap<string, CatalogEntry>;
  /** Every well-formed tool the filters let through, offered or withheld: what `pins update` records. */
  readonly eligible: readonly CatalogEntry[];
}

/** Two upstream tools would be exposed under one name; at startup, the module does not start. */
export class CollisionError extends UpstreamError {
  constructor(message: string) {
    super('SMCP_UPSTREAM_TOOL_COLLISION', message);
    // What scoped_mcp_status shows.
    this.name = 'ToolNameCollision';
  }
}

/**
 * The upstream's tool list after allow/deny lists, name normalisation and pin checks. Rebuilt on every
 * listing (startup, tools/list_changed, restart); entries whose definition did not change are reused, so
 * their compiled argument check survives.
 */
export class ToolCatalog {
  private offered = new Map<string, CatalogEntry>();
  private eligibleEntries: CatalogEntry[] = [];
  private definitions: Readonly<Record<string, AnyToolDefinition<McpProxyConfig, unknown>>> = {};
  /** Alerts already raised, so a re-list does not repeat them. */
  private readonly alerted = new Set<string>();
  private allowlistChecked = false;

  constructor(private readonly options: CatalogOptions) {}

  /** What `dynamicTools` returns: the same object until the offered set changes. */
  get tools(): Readonly<Record<string, AnyToolDefinition<McpProxyConfig, unknown>>> {
    return this.definitions;
  }

  get eligible(): readonly CatalogEntry[] {
    return this.eligibleEntries;
  }

  get(key: string): CatalogEntry | undefined {
    return this.offered.get(key);
  }

  get size(): number {
    return this.offered.size;
  }

  /**
   * Applies a fresh listing. `pins` is the instance's lock section (undefined: none). `strict` (startup)
   * turns a name collision into an error; later listings keep the tool that held the name and alert.
   * Returns whether the offered set changed.
   */
  apply(listing: readonly unknown[], pins: InstancePins | undefined, strict: boolean): boolean {
    const { instance, filter, pinning } = this.options;
    const listed = this.wellFormed(listing);
    this.checkAllowlist(listed);
    const byKey = new Map<string, CatalogEntry>();
    const eligible: CatalogEntry[] = [];
    for (const raw of listed) {
      const upstreamName = raw.name as string;
      if (!filter(upstreamName)) continue;
      const key = normaliseToolName(upstreamName);
      const exposedName = `${instance}_${key}`;
      if (exposedName.length > MAX_EXPOSED_NAME) {
        this.alertOnce(`long:${upstreamName}`, 'warn', 'mcp_proxy_tool_name_too_long', {
          tool: upstreamName.slice(0, 200),
          limit: MAX_EXPOSED_NAME,
        });
        continue;
      }
      const holder = byKey.get(key);
      if (holder) {
        const message = `mcp_proxy '${instance}': upstream tools '${holder.upstreamName}' and '${upstreamName}' both become '${exposedName}'; exclude one with tool_allowlist or tool_denylist`;
        if (strict) throw new CollisionError(message);
        const kept =
          this.offered.get(key)?.upstreamName === upstreamName ? upstreamName : holder.upstreamName;
        this.alertOnce(`collision:${key}`, 'error', 'mcp_proxy_tool_name_collision', {
          instance,
          tools: [holder.upstreamName, upstreamName],
          kept,
        });
        if (kept === holder.upstreamName) continue;
      }
      const entry = this.entryFor(key, exposedName, upstreamName, raw);
      byKey.set(key, entry);
    }
    const offered = new Map<string, CatalogEntry>();
    if (pinning === 'enforce' && pins === undefined && byKey.size > 0) {
      this.alertOnce('no-pins', 'error', 'mcp_proxy_pins_missing', {
        instance,
        withheld: byKey.size,
        fix: 'run: scoped-mcp pins update --manifest <manifest>',
      });
    } else if (pinning === 'warn' && pins === undefined && byKey.size > 0) {
      this.alertOnce('no-pins', 'warn', 'mcp_proxy_pins_missing', { instance, tools: byKey.size });
    }
    for (const [key, entry] of byKey) {
      eligible.push(entry);
      if (this.allowedByPins(entry, pins)) offered.set(key, entry);
    }
    this.eligibleEntries = eligible;
    const changed = !sameEntries(this.offered, offered);
    this.offered = offered;
    if (changed) {
      const definitions: Record<string, AnyToolDefinition<McpProxyConfig, unknown>> = {};
      for (const [key, entry] of offered) definitions[key] = this.options.toolFor(entry);
      this.definitions = definitions;
    }
    return changed;
  }

  private entryFor(key: string, exposedName: string, upstreamName: string, raw: JsonObject): CatalogEntry {
    const definition = pinnedDefinition(raw);
    const hash = definitionHash(definition);
    const previous = this.offered.get(key);
    // Same pinned fields: keep the entry (and its compiled check). Other fields are not advertised by core.
    if (previous && previous.hash === hash && previous.upstreamName === upstreamName) return previous;
    return { key, exposedName, upstreamName, raw, definition, hash };
  }

  private allowedByPins(entry: CatalogEntry, pins: InstancePins | undefined): boolean {
    const { pinning, instance } = this.options;
    if (pinning === 'off' || pins === undefined) return pinning !== 'enforce';
    const verdict = checkPin(pins, entry.definition, entry.hash);
    if (verdict.status === 'pinned') return true;
    const enforce = pinning === 'enforce';
    const fields = verdict.status === 'drifted' ? { changed_fields: verdict.fields } : {};
    this.alertOnce(
      `pin:${entry.upstreamName}:${entry.hash}`,
      enforce ? 'error' : 'warn',
      verdict.status === 'new' ? 'mcp_proxy_tool_not_pinned' : 'mcp_proxy_tool_definition_changed',
      {
        instance,
        tool: entry.upstreamName,
        exposed_as: entry.exposedName,
        sha256: entry.hash,
        ...fields,
        action: enforce ? 'withheld' : 'offered',
        fix: 'review the change, then run: scoped-mcp pins update --manifest <manifest>',
      },
    );
    return !enforce;
  }

  private wellFormed(listing: readonly unknown[]): JsonObject[] {
    const out: JsonObject[] = [];
    for (const raw of listing) {
      // The agent's client rejects a whole tools/list over one malformed tool: drop that tool here.
      if (ToolSchema.safeParse(raw).success && (raw as JsonObject).name !== '') {
        out.push(raw as JsonObject);
        continue;
      }
      const name = (raw as { name?: unknown } | null)?.name;
      this.alertOnce(`invalid:${String(name)}`, 'warn', 'mcp_proxy_tool_invalid', {
        tool: typeof name === 'string' ? name.slice(0, 200) : null,
      });
    }
    return out;
  }

  private checkAllowlist(listed: readonly JsonObject[]): void {
    if (this.allowlistChecked || this.options.allowlist.length === 0) return;
    this.allowlistChecked = true;
    const names = new Set(listed.map((tool) => tool.name as string));
    const unknown = this.options.allowlist.filter((name) => !names.has(name));
    if (unknown.length > 0) {
      this.options.log.warn(
        { instance: this.options.instance, names: unknown.slice(0, 50) },
        'mcp_proxy_allowlist_unmatched',
      );
    }
  }

  private alertOnce(
    id: string,
    level: 'warn' | 'error',
    event: string,
    fields: Readonly<Record<string, unknown>>,
  ): void {
    if (this.alerted.has(id)) return;
    this.alerted.add(id);
    this.options.log[level]({ instance: this.options.instance, ...fields }, event);
  }
}

function sameEntries(a: ReadonlyMap<string, CatalogEntry>, b: ReadonlyMap<string, CatalogEntry>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, entry] of a) {
    const other = b.get(key);
    if (other !== entry) return false;
  }
  return true;
}
