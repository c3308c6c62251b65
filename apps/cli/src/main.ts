import { HELP } from './help.js';
import { parseCommon } from './options.js';
import { err, out } from './output.js';
import { cliVersion } from './package-info.js';

/** The commands built into the CLI; any other word is looked up among the manifest's modules. */
const BUILT_IN = new Set(['run', 'validate', 'modules', 'schema', 'audit', 'hitl']);

export interface MainHooks {
  /** Runs just before the server's code is imported (the executable turns on the compile cache here). */
  readonly beforeServe?: () => void;
  /** Runs first when the command prints and exits instead of serving (the executable handles a closed pipe). */
  readonly beforeOutput?: () => void;
}

/** Returns the exit code, or undefined when the process keeps serving. */
export async function main(argv: readonly string[], hooks: MainHooks = {}): Promise<number | undefined> {
  const first = argv[0];
  // A first argument that is not a flag names a command; without one, the CLI serves (`run`).
  const command = first && !first.startsWith('-') ? first : 'run';
  const serves =
    command === 'run' &&
    argv.length > 0 &&
    !['--help', '-h', '--version', '-V'].some((f) => argv.includes(f));
  if (!serves) hooks.beforeOutput?.();
  if (argv.includes('--version') || argv.includes('-V')) {
    out(cliVersion);
    return 0;
  }
  const rest = command === first ? argv.slice(1) : argv;
  let options: ReturnType<typeof parseCommon>;
  try {
    options = parseCommon(rest);
  } catch (error) {
    // parseArgs throws a TypeError (ERR_PARSE_ARGS_*) whose message names the flag.
    err(`scoped-mcp: ${(error as TypeError).message}\n\n${HELP}`);
    return 1;
  }
  if (options.help || argv.length === 0) {
    (options.help ? out : err)(HELP);
    return options.help ? 0 : 1;
  }
  const takesArguments = command === 'audit' || command === 'hitl' || !BUILT_IN.has(command);
  if (!takesArguments && options.positionals.length > 0) {
    err(`scoped-mcp: unexpected argument '${options.positionals[0]}'\n\n${HELP}`);
    return 1;
  }
  // Each command is imported when chosen: a server start loads no code of the other commands.
  switch (command) {
    case 'validate':
      return (await import('./commands/validate.js')).validateCommand(options);
    case 'modules':
      return (await import('./commands/modules.js')).modulesCommand(options);
    case 'schema':
      return (await import('./commands/schema.js')).schemaCommand();
    case 'audit':
      return (await import('./commands/audit.js')).auditCommand(options);
    case 'hitl':
      return (await import('./commands/hitl.js')).hitlCommand(options);
    case 'run':
      hooks.beforeServe?.();
      return (await import('./commands/run.js')).runCommand(options);
    default:
      return (await import('./commands/module-command.js')).moduleCommand(command, options);
  }
}
