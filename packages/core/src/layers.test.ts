import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layers of core, lowest first (docs/architecture.md, "Layers"). A folder may import from its own
// folder and from folders of lower layers only. Folders that share a layer are independent of each other.
const LAYERS: readonly (readonly string[])[] = [
  ['shared'],
  ['errors'],
  ['identity'],
  ['module'],
  ['loader'],
  ['redact'],
  ['manifest'],
  ['credentials', 'scope', 'state'],
  ['audit'],
  ['hitl'],
  ['middleware'],
  ['server'],
  ['runtime'],
];

/** The package's entry points (`.` and `./runtime`): they re-export from every layer. */
const ENTRY_FILES = new Set(['index.ts', 'runtime.ts']);

/** Upward imports allowed by name until they are fixed; each entry is `<from file> -> <to file>`. */
const KNOWN_EXCEPTIONS = new Set<string>([]);

const SRC = fileURLToPath(new URL('./', import.meta.url));

const rank = new Map<string, number>();
LAYERS.forEach((folders, layer) => {
  for (const folder of folders) rank.set(folder, layer);
});

/** Every source file of core: no tests, no fixtures. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__fixtures__') out.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      out.push(path);
    }
  }
  return out;
}

// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, type-only ones included.
const STATIC =
  /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w*$]+(?:\s+as\s+[\w$]+)?\s*,?\s*)?(?:\{[^}]*\}\s*)?(?:from\s*)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Edge {
  readonly from: string;
  readonly to: string;
}

/** Imports between files of src/, as paths relative to src/. */
function relativeImports(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(STATIC), ...text.matchAll(DYNAMIC)].map((match) => match[1] as string);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({
      from: relative(SRC, file).split(sep).join('/'),
      to: relative(SRC, resolve(dirname(file), specifier))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts'),
    }));
}

const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : undefined);

/** Why an import breaks the layering, or undefined when it does not. */
function violation(edge: Edge): string | undefined {
  const from = folderOf(edge.from);
  const to = folderOf(edge.to);
  if (from === undefined || from === to) return undefined;
  if (to === undefined) return `${edge.from} -> ${edge.to}: imports a package entry point`;
  const fromRank = rank.get(from);
  const toRank = rank.get(to);
  if (fromRank === undefined || toRank === undefined)
    return `${edge.from} -> ${edge.to}: folder not in LAYERS`;
  if (toRank < fromRank || KNOWN_EXCEPTIONS.has(`${edge.from} -> ${edge.to}`)) return undefined;
  return toRank === fromRank
    ? `${edge.from} -> ${edge.to}: ${from} and ${to} share a layer and must not import each other`
    : `${edge.from} -> ${edge.to}: ${from} is below ${to}`;
}

/** One cycle of imports between files, if there is any, as the list of its files. */
function findCycle(edges: readonly Edge[]): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file];
    state.set(file, 'open');
    path.push(file);
    for (const target of next.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of next.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('layers of core', () => {
  const files = sourceFiles(SRC);
  const edges = files.flatMap(relativeImports);

  it('places every folder of src/ in exactly one layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== '__fixtures__')
      .map((entry) => entry.name)
      .sort();
    expect([...rank.keys()].sort()).toEqual(folders);
    expect(rank.size).toBe(LAYERS.flat().length);
  });

  it('finds the imports it checks', () => {
    const crossing = edges.filter((edge) => folderOf(edge.from) !== folderOf(edge.to));
    expect(crossing.length).toBeGreaterThan(100);
    expect(edges).toContainEqual({ from: 'middleware/hitl.ts', to: 'hitl/approvals.ts' });
  });

  it('has no file importing from a layer above its own, except the known exceptions', () => {
    const found = edges.map(violation).filter((problem) => problem !== undefined);
    expect(found).toEqual([]);
  });

  it('has no import cycle between files, type-only imports included', () => {
    expect(findCycle(edges)).toBeUndefined();
    // The check itself finds a cycle: schema.ts importing load.ts would close one.
    const cycle = findCycle([...edges, { from: 'manifest/schema.ts', to: 'manifest/load.ts' }]);
    expect(cycle).toContain('manifest/schema.ts');
    expect(cycle?.at(0)).toBe(cycle?.at(-1));
  });

  it('keeps each known exception necessary (remove it once the import is gone)', () => {
    const present = new Set(edges.map((edge) => `${edge.from} -> ${edge.to}`));
    for (const exception of KNOWN_EXCEPTIONS) expect(present, exception).toContain(exception);
  });

  it('takes only entry points as files outside a folder', () => {
    const loose = files.map((file) => relative(SRC, file)).filter((path) => !path.includes(sep));
    expect(loose.sort()).toEqual([...ENTRY_FILES].sort());
  });
});
