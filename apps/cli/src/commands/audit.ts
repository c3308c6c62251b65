import { type ChainVerdict, verifyAuditFile } from '@scoped-mcp/core/runtime';
import type { CommonOptions } from '../options.js';
import { err, out } from '../output.js';

const USAGE = 'usage: scoped-mcp audit verify FILE [--head HASH] [--key-env VAR]';
const HEAD = /^[0-9a-f]{32}$/;

/**
 * `scoped-mcp audit verify FILE`: exit 0 when the chain is intact (every break it holds is one a segment start
 * records), 1 when it is broken or cannot be checked. Every finding is printed with its line number: to
 * stdout with an intact verdict, to stderr with a broken one.
 */
export async function auditCommand(options: CommonOptions): Promise<number> {
  const [action, file, ...extra] = options.positionals;
  if (action !== 'verify' || !file || extra.length > 0) {
    err(USAGE);
    return 1;
  }
  if (options.head !== undefined && !HEAD.test(options.head)) {
    err(`--head must be 32 hex characters (an audit_head from the ops log or the health file)\n${USAGE}`);
    return 1;
  }
  let key: Buffer | undefined;
  if (options.keyEnv !== undefined) {
    const value = process.env[options.keyEnv];
    if (!value) {
      err(`--key-env: the environment variable '${options.keyEnv}' is not set`);
      return 1;
    }
    key = Buffer.from(value, 'utf8');
  }
  let verdict: ChainVerdict;
  try {
    verdict = await verifyAuditFile(file, {
      ...(key ? { key } : {}),
      ...(options.head !== undefined ? { head: options.head } : {}),
    });
  } catch {
    err(`cannot read audit log '${file}'`);
    return 1;
  }
  const print = verdict.ok ? out : err;
  const findings = verdict.findings.map(
    (f) => `line ${f.line}: ${f.kind === 'break' ? 'BROKEN' : 'note'}: ${f.message}`,
  );
  if (verdict.moreFindings > 0) findings.push(`… and ${verdict.moreFindings} more findings`);
  const summary = `${verdict.lines} lines in ${verdict.segments} segment${verdict.segments === 1 ? '' : 's'}`;
  const keyed = key ? ', keyed' : '';
  print(
    [
      verdict.ok
        ? `OK: ${summary}, hash chain intact${keyed}`
        : `BROKEN: line ${verdict.brokenAt} of ${verdict.lines}: ${verdict.reason}`,
      ...findings,
    ].join('\n'),
  );
  return verdict.ok ? 0 : 1;
}
