import { parseArgs } from 'node:util';

export interface CommonOptions {
  readonly manifest?: string;
  readonly auditLog?: string;
  readonly opsLog?: string;
  readonly modulesFrom: readonly string[];
  readonly help: boolean;
  readonly positionals: readonly string[];
}

/** Parses the flags shared by the commands; unknown flags are errors that name the flag. */
export function parseCommon(args: readonly string[]): CommonOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      manifest: { type: 'string', short: 'm' },
      'audit-log': { type: 'string' },
      'ops-log': { type: 'string' },
      'modules-from': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const fromEnv = process.env.SCOPED_MCP_MODULES_FROM?.split(':').filter(Boolean) ?? [];
  return {
    manifest: values.manifest,
    auditLog: values['audit-log'],
    opsLog: values['ops-log'],
    modulesFrom: [...(values['modules-from'] ?? []), ...fromEnv],
    help: values.help ?? false,
    positionals,
  };
}
