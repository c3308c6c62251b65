import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { canonicalJson, errorLine, UpstreamError, z } from '@scoped-mcp/core';

export const PIN_LOCK_VERSION = 1;

/** What a pin covers: everything the agent's model reads or relies on about a tool. */
export interface PinnedDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
  readonly annotations?: Readonly<Record<string, unknown>>;
}

export const PINNED_FIELDS = [
  'name',
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
] as const satisfies readonly (keyof PinnedDefinition)[];

const pinnedToolSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  definition: z.record(z.string(), z.unknown()).optional(),
});

const instancePinsSchema = z.object({
  transport: z.string().optional(),
  server: z.object({ name: z.string().optional(), version: z.string().optional() }).optional(),
  updated_at: z.string().optional(),
  tools: z.record(z.string(), pinnedToolSchema),
});

const lockSchema = z.object({
  version: z.literal(PIN_LOCK_VERSION),
  note: z.string().optional(),
  instances: z.record(z.string(), instancePinsSchema),
});

export type PinLock = z.output<typeof lockSchema>;
export type InstancePins = z.output<typeof instancePinsSchema>;

export type PinVerdict =
  | { readonly status: 'pinned' }
  | { readonly status: 'new' }
  | { readonly status: 'drifted'; readonly fields: readonly string[] };

const NOTE =
  "Tool-definition pins for mcp_proxy upstreams, written by 'scoped-mcp pins update'. Review every change " +
  'to a definition before committing it: under pinning: enforce, a tool whose definition differs from its ' +
  'pin, or that has no pin, is not offered to the agent.';

/** `agents/research.yml` → `agents/research.pins.json`. */
export function lockPathFor(manifestPath: string): string {
  const file = basename(manifestPath);
  const ext = extname(file);
  return join(dirname(manifestPath), `${ext ? file.slice(0, -ext.length) : file}.pins.json`);
}

/** The pinned fields of an upstream tool, as the upstream sent them (absent fields stay absent). */
export function pinnedDefinition(tool: Readonly<Record<string, unknown>>): PinnedDefinition {
  const picked: Record<string, unknown> = {};
  for (const field of PINNED_FIELDS) if (tool[field] !== undefined) picked[field] = tool[field];
  return picked as unknown as PinnedDefinition;
}

/**
 * How deep a definition may nest. Definitions come from the upstream, bounded in size by
 * max_response_bytes; real schemas can come close to core's default of 64 (an inlined Kubernetes resource
 * schema), so the bound here is far above any real schema and still far from the stack's limit.
 */
const DEFINITION_MAX_DEPTH = 1000;

/** Canonical JSON (core's) of a definition or a part of one: the same text whatever the upstream's key order. */
export function canonicalDefinition(value: unknown): string {
  return canonicalJson(value, { maxDepth: DEFINITION_MAX_DEPTH });
}

export function definitionHash(definition: PinnedDefinition): string {
  return createHash('sha256').update(canonicalDefinition(definition)).digest('hex');
}

export function checkPin(
  pins: InstancePins | undefined,
  definition: PinnedDefinition,
  hash: string,
): PinVerdict {
  const pinned = pins?.tools[definition.name];
  if (!pinned) return { status: 'new' };
  if (pinned.sha256 === hash) return { status: 'pinned' };
  return { status: 'drifted', fields: changedFields(pinned.definition, definition) };
}

/** Which fields differ from the definition stored next to the pin (best effort: the hash decides). */
function changedFields(
  stored: Readonly<Record<string, unknown>> | undefined,
  current: PinnedDefinition,
): string[] {
  if (!stored) return [];
  const now = current as unknown as Readonly<Record<string, unknown>>;
  return PINNED_FIELDS.filter(
    (field) => canonicalDefinition(stored[field]) !== canonicalDefinition(now[field]),
  );
}

/** The pin lock cannot be read or is not of our making; never taken as "no pins". */
export class PinLockError extends UpstreamError {
  constructor(message: string) {
    super('SMCP_UPSTREAM_PIN_LOCK_INVALID', message);
    this.name = 'PinLockError';
  }
}

/** The lock, or undefined when there is none. A lock that cannot be read is an error, never "no pins". */
export async function readPinLock(path: string): Promise<PinLock | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PinLockError(`cannot read the pin lock ${basename(path)}: ${errorLine(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PinLockError(
      `the pin lock ${basename(path)} is not valid JSON; rerun 'scoped-mcp pins update'`,
    );
  }
  const parsed = lockSchema.safeParse(json);
  if (!parsed.success) {
    throw new PinLockError(
      `the pin lock ${basename(path)} has an unexpected shape (${parsed.error.issues[0]?.path.join('.') || 'root'}); rerun 'scoped-mcp pins update'`,
    );
  }
  return parsed.data;
}

export interface RecordedInstance {
  readonly transport: string;
  readonly server?: { readonly name?: string; readonly version?: string };
  readonly tools: readonly { readonly definition: PinnedDefinition; readonly hash: string }[];
}

const writes = new Map<string, Promise<void>>();

/**
 * Replaces one instance's section of the lock. Instances of one manifest record concurrently, so writes to
 * a path are queued; each is a read-modify-write made atomic by a rename.
 */
export function recordInstancePins(
  path: string,
  instance: string,
  recorded: RecordedInstance,
): Promise<void> {
  const previous = writes.get(path) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => writeSection(path, instance, recorded));
  writes.set(path, next);
  return next;
}

async function writeSection(path: string, instance: string, recorded: RecordedInstance): Promise<void> {
  const lock = (await readPinLock(path).catch(() => undefined)) ?? {
    version: PIN_LOCK_VERSION,
    instances: {},
  };
  const tools: Record<string, { sha256: string; definition: Record<string, unknown> }> = {};
  for (const tool of [...recorded.tools].sort((a, b) => compare(a.definition.name, b.definition.name))) {
    tools[tool.definition.name] = {
      sha256: tool.hash,
      definition: tool.definition as unknown as Record<string, unknown>,
    };
  }
  const instances: Record<string, InstancePins> = { ...lock.instances };
  instances[instance] = {
    transport: recorded.transport,
    ...(recorded.server ? { server: recorded.server } : {}),
    updated_at: new Date().toISOString(),
    tools,
  };
  const sorted: Record<string, InstancePins> = {};
  for (const key of Object.keys(instances).sort(compare)) sorted[key] = instances[key]!;
  const text = `${JSON.stringify({ version: PIN_LOCK_VERSION, note: NOTE, instances: sorted }, null, 2)}\n`;
  await writeAtomically(path, text);
}

/** Readers see the old lock or the new one, never half of it. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o644 });
  await rename(temporary, path);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
