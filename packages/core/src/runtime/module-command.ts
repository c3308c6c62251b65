import { isAbsolute, relative, resolve } from 'node:path';
import { createLoggers } from '../audit/loggers.js';
import { createSanitizer } from '../redact/sanitize.js';
import { createSecretRedactor } from '../redact/secrets.js';
import { type AgentIdentity, resolveIdentity } from '../identity/agent-identity.js';
import type { ModuleCommand, ModuleCommandContext, ScopedMcpModule } from '../module/types.js';
import { errorLine, errorMessage } from '../errors/error-line.js';
import { type InstanceSpec, sanitizingLogger } from '../server/module-instance.js';
import { type Assembly, assemble } from './assemble.js';

export interface ModuleCommandOptions {
  /** The command word (`pins`): one the CLI has not built in. */
  readonly command: string;
  /** The positional arguments after it. */
  readonly args: readonly string[];
  readonly manifestPath: string;
  readonly cliDir?: string;
  readonly modulesFrom?: readonly string[];
  /** Where the ops log goes; stderr when absent. */
  readonly opsLog?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Writes one line of output (stdout). */
  readonly out: (text: string) => void;
  /** Writes one line for people (stderr). */
  readonly err: (text: string) => void;
}

/** A module that contributes the command, with its instances in the manifest. */
interface Provider {
  readonly module: ScopedMcpModule;
  readonly command: ModuleCommand<unknown>;
  readonly instances: InstanceSpec[];
}

/**
 * `scoped-mcp <word> … --manifest PATH` for a word the CLI does not know: loads the manifest's modules as a
 * server start would (short of setup), and runs the command of each module that contributes the word, once,
 * with that module's instances. Returns the exit code: the highest of the commands run, 1 when none could be.
 */
export async function runModuleCommand(options: ModuleCommandOptions): Promise<number> {
  const env = options.env ?? process.env;
  let assembly: Assembly;
  try {
    assembly = await assemble({
      manifestPath: options.manifestPath,
      env,
      cliDir: options.cliDir,
      modulesFrom: options.modulesFrom,
    });
  } catch (error) {
    options.err(`error: ${errorMessage(error)}`);
    return 1;
  }
  const providers = providersOf(assembly.instances, options.command);
  if (providers.length === 0) {
    options.err(noProvider(assembly, options.command));
    return 1;
  }

  const { manifest } = assembly;
  const redactor = createSecretRedactor(assembly.secrets);
  const sanitizer = createSanitizer({ secrets: assembly.secrets });
  const loggers = createLoggers({ opsLog: options.opsLog, opsLevel: 'warn' });
  const agent = commandIdentity(env, options.command, manifest.manifest.agent_type);
  const manifestDir = manifest.dir;
  let code = 0;
  try {
    for (const provider of providers) {
      const ctx: ModuleCommandContext<unknown> = Object.freeze({
        command: options.command,
        args: [...options.args],
        usage: usageLine(options.command, provider.command.usage),
        instances: provider.instances
          .filter((instance) => !instance.failure)
          .map(({ key, config, credentials }) => Object.freeze({ key, config, credentials })),
        unavailable: provider.instances
          .filter((instance) => instance.failure)
          .map(({ key, failure }) => Object.freeze({ key, error: failure!.error })),
        agent,
        manifestPath: manifest.path,
        manifestDir,
        resolvePath: (path: string) => (isAbsolute(path) ? path : resolve(manifestDir, path)),
        limits: manifest.manifest.limits,
        log: sanitizingLogger(
          loggers.ops.child({ module: provider.module.name, command: options.command }),
          sanitizer,
        ),
        out: (text: string) => options.out(redactor.redact(text)),
        err: (text: string) => options.err(redactor.redact(text)),
      });
      let result: number;
      try {
        result = await provider.command.run(ctx);
      } catch (error) {
        ctx.err(`error: ${provider.module.name}'s '${options.command}' failed: ${errorLine(error)}`);
        result = 1;
      }
      code = Math.max(code, Number.isInteger(result) && result >= 0 ? result : 1);
    }
  } finally {
    loggers.flush();
  }
  return code;
}

/**
 * The modules that contribute `word`, in manifest order, each with all of its instances: those that could
 * not be initialised too, and those of the same `type:` that could not be imported, so the command can
 * name every instance it could not serve.
 */
function providersOf(instances: readonly InstanceSpec[], word: string): Provider[] {
  const providers = new Map<ScopedMcpModule, Provider>();
  for (const instance of instances) {
    const command = instance.module?.commands?.[word];
    if (!instance.module || typeof command?.run !== 'function') continue;
    const provider = providers.get(instance.module) ?? { module: instance.module, command, instances: [] };
    provider.instances.push(instance);
    providers.set(instance.module, provider);
  }
  for (const instance of instances) {
    if (instance.module) continue;
    const provider = [...providers.values()].find((p) => p.instances.some((i) => i.type === instance.type));
    provider?.instances.push(instance);
  }
  for (const provider of providers.values()) {
    provider.instances.sort((a, b) => instances.indexOf(a) - instances.indexOf(b));
  }
  return [...providers.values()];
}

function noProvider(assembly: Assembly, word: string): string {
  const shown = relative(process.cwd(), assembly.manifest.path) || assembly.manifest.path;
  const words = new Set(assembly.instances.flatMap((i) => Object.keys(i.module?.commands ?? {})));
  const unloaded = assembly.instances.filter((i) => !i.module).map((i) => `modules.${i.key}`);
  return (
    `error: no module in ${shown} provides the command '${word}' (see scoped-mcp --help)` +
    (words.size > 0 ? `; its modules provide: ${[...words].sort().join(', ')}` : '') +
    (unloaded.length > 0 ? `; not loaded: ${unloaded.join(', ')}` : '')
  );
}

/** `scoped-mcp pins update --manifest PATH [--modules-from DIR]`: what every module command is called with. */
function usageLine(word: string, args: string): string {
  return ['scoped-mcp', word, args.trim(), '--manifest PATH [--modules-from DIR]'].filter(Boolean).join(' ');
}

/** The agent of AGENT_ID / AGENT_TYPE when set; else a stand-in, as an operator runs these commands. */
function commandIdentity(env: NodeJS.ProcessEnv, word: string, agentType: string): AgentIdentity {
  try {
    return resolveIdentity(env);
  } catch {
    return Object.freeze({ id: word, type: agentType, sessionId: word });
  }
}
