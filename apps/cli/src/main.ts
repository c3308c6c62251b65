import { auditCommand } from './commands/audit.js';
import { hitlCommand } from './commands/hitl.js';
import { modulesCommand } from './commands/modules.js';
import { pinsCommand } from './commands/pins.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { HELP } from './help.js';
import { parseCommon } from './options.js';
import { err, out } from './output.js';
import { cliVersion } from './package-info.js';

const COMMANDS = new Set(['run', 'validate', 'modules', 'schema', 'audit', 'hitl', 'pins']);

/** Returns the exit code, or undefined when the process keeps serving. */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  if (argv.includes('--version') || argv.includes('-V')) {
    out(cliVersion);
    return 0;
  }
  const first = argv[0];
  const command = first && COMMANDS.has(first) ? first : 'run';
  const rest = command === first ? argv.slice(1) : argv;
  let options: ReturnType<typeof parseCommon>;
  try {
    options = parseCommon(rest);
  } catch (error) {
    err(`scoped-mcp: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 1;
  }
  if (options.help || argv.length === 0) {
    (options.help ? out : err)(HELP);
    return options.help ? 0 : 1;
  }
  if (command !== 'audit' && command !== 'hitl' && command !== 'pins' && options.positionals.length > 0) {
    err(`scoped-mcp: unexpected argument '${options.positionals[0]}'\n\n${HELP}`);
    return 1;
  }
  switch (command) {
    case 'validate':
      return validateCommand(options);
    case 'modules':
      return modulesCommand(options);
    case 'schema':
      return schemaCommand();
    case 'audit':
      return auditCommand(options.positionals);
    case 'hitl':
      return hitlCommand(options);
    case 'pins':
      return pinsCommand(options);
    default:
      return runCommand(options);
  }
}
