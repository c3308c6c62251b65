import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** How the proxy introduces itself to upstreams (the conformance suite checks name and version). */
export const CLIENT_INFO = { name: 'scoped-mcp', version } as const;
