import { parseArgs } from 'node:util';

export interface CommonOptions {
  readonly manifest?: string;
  readonly auditLog?: string;
  readonly opsLog?: string;
  readonly modulesFrom: readonly string[];
  readonly help: boolean;
  /** `audit verify`: the head hash the log must still hold. */
  readonly head?: string;
  /** `audit verify`: the environment variable holding the chain key. */
  readonly keyEnv?: string;
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
      head: { type: 'string' },
      'key-env': { type: 'string' },
    },
  });
  const fromEnv = process.env.SCOPED_MCP_MODULES_FROM?.split(':').filter(Boolean) ?? [];
  return {
    manifest: values.manifest,
    auditLog: values['audit-log'],
    opsLog: values['ops-log'],
    modulesFrom: [...(values['modules-from'] ?? []), ...fromEnv],
    help: values.help ?? false,
    ...(values.head !== undefined ? { head: values.head } : {}),
    ...(values['key-env'] !== undefined ? { keyEnv: values['key-env'] } : {}),
    positionals,
  };
}
