// Run by a package's build, after tsc, in the package's directory: rewrites its dist/ JavaScript as one file
// per entry point of its `exports` map plus shared chunks. Node resolves, reads and links each module file of
// a server start separately, and core's ~115 files were a measurable part of every agent's start
// (docs/performance.md). Entries share their chunks, so the CLI and every module package still get one
// instance of each class of core. Dependencies stay external: resolved and updated as the user's install
// decides, never copied in. tsc's declarations stay as they are (the public types).
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'rolldown';

const root = process.cwd();
const dist = join(root, 'dist');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

/** `./dist/x/y.js` targets of the exports map, as rolldown input names (`x/y`). */
const entries = Object.values(pkg.exports ?? {})
  .map((target) => (typeof target === 'string' ? target : target?.default))
  .filter((target) => typeof target === 'string' && /^\.\/dist\/.+\.js$/.test(target))
  .map((target) => target.slice('./dist/'.length, -'.js'.length));
if (entries.length === 0) throw new Error(`${pkg.name}: no ./dist/*.js entry in its exports map`);

const { output } = await build({
  input: Object.fromEntries(entries.map((entry) => [entry, join(dist, `${entry}.js`)])),
  cwd: root,
  platform: 'node',
  external: (id) => isBuiltin(id) || !(id.startsWith('.') || id.startsWith('/')),
  write: false,
  output: { format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
});

// Maps too: the published dist ships without sources (tsconfig.base.json emits none; older builds did).
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && /\.(js|map)$/.test(entry.name)) await rm(join(entry.parentPath, entry.name));
}
for (const file of output) {
  const path = resolve(dist, file.fileName);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.type === 'chunk' ? file.code : file.source);
}
