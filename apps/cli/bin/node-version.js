// Plain JavaScript with no imports, kept out of the build: it must run on any Node, before anything else
// is loaded (on Node 20 better-sqlite3 crashes the process while loading, with no useful message), and
// `pnpm demo` runs it before the workspace is built.

/** The oldest Node major the packages support (their `engines` field: >=22). */
export const MINIMUM_NODE_MAJOR = 22;

/**
 * Why this Node cannot run scoped-mcp, for people (what runs, what to install), or undefined when it can.
 * @param {string} version `process.versions.node`
 * @param {string} execPath `process.execPath`, named so the user sees which `node` their PATH found
 * @returns {string | undefined}
 */
export function nodeVersionProblem(version, execPath) {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (major >= MINIMUM_NODE_MAJOR) return undefined;
  return (
    `scoped-mcp needs Node.js ${MINIMUM_NODE_MAJOR} or newer, but this is Node.js ${version} (${execPath}).\n` +
    `  fix: install Node.js ${MINIMUM_NODE_MAJOR} or 24 LTS (https://nodejs.org/en/download, or ` +
    `\`nvm install 24\`), make it the \`node\` on PATH, then run the command again.`
  );
}
