import { readFile } from 'node:fs/promises';
import { verifyChain } from '@scoped-mcp/core/runtime';
import { err, out } from '../output.js';

export async function auditCommand(positionals: readonly string[]): Promise<number> {
  const [action, file] = positionals;
  if (action !== 'verify' || !file) {
    err('usage: scoped-mcp audit verify FILE');
    return 1;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    err(`cannot read audit log '${file}'`);
    return 1;
  }
  const verdict = verifyChain(text);
  if (verdict.ok) {
    out(`OK: ${verdict.lines} lines, hash chain intact`);
    return 0;
  }
  err(`BROKEN: line ${verdict.brokenAt} of ${verdict.lines}: ${verdict.reason}`);
  return 1;
}
