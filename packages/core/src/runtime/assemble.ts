import type { z } from 'zod';
import { openCredentialSource } from '../credentials/sources.js';
import { resolveCredentials } from '../credentials/resolve.js';
import { isAbsolute, resolve } from 'node:path';
import { errorLine, errorMessage } from '../errors/error-line.js';
import { isScopedMcpError, StartupError } from '../errors/errors.js';
import { coreVersion } from '../loader/plugin-package.js';
import { type LoadFailure, type LoadedModule, loadModules } from '../loader/load-modules.js';
import { locatePlugin, searchBases } from '../loader/load-plugin.js';
// The manifest files themselves, not its index: a server start loads none of the editor JSON Schema code.
import { formatZodIssues } from '../manifest/issues.js';
import { type LoadedManifest, loadManifest } from '../manifest/load.js';
import { type ModuleEntry, moduleTypeOf } from '../manifest/schema.js';
import type { CredentialSpec, ScopedMcpModule } from '../module/types.js';
import {
  declaredSecrets,
  type InstanceSpec,
  reservedToolNames,
  selectToolKeys,
} from '../server/module-instance.js';
import { STATUS_TOOL } from '../server/scoped-runtime.js';
import { exposedToolName } from '../server/tool-pipeline.js';
import { collisionMessage, staticNameCollisions } from '../server/tool-table.js';
import { REDIS_STATE_PACKAGE, STATE_BACKEND_PLUGIN } from './open-state-backend.js';

export interface AssembleOptions {
  readonly manifestPath: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Package directory of the CLI; modules installed next to it are found. */
  readonly cliDir?: string;
  readonly modulesFrom?: readonly string[];
  /**
   * `validate` reports missing credentials as warnings instead of failing (it may run where the agent's
   * secrets are not). A credential source that cannot be used (a secrets file too open) fails either way.
   */
  readonly credentialsAsWarnings?: boolean;
  /**
   * `validate`: also run each module's `check` and look for the state backend package (without importing
   * it), so what a server start would refuse is reported now. A server start skips this: setup finds it.
   */
  readonly check?: boolean;
}

export interface Assembly {
  readonly manifest: LoadedManifest;
  readonly instances: readonly InstanceSpec[];
  /** Every credential value resolved and every value a module declared secret, for exact-value redaction. */
  readonly secrets: readonly string[];
  /** The value of `audit.chain_key`'s credential: the audit chain's HMAC key. */
  readonly auditChainKey?: string;
  readonly warnings: readonly string[];
  /** Exposed tool names per instance (before setup; a module failing setup registers none). */
  readonly toolNames: readonly string[];
}

/** Manifest → modules → config → credentials: everything short of running module code's setup. */
export async function assemble(options: AssembleOptions): Promise<Assembly> {
  const env = options.env ?? process.env;
  const manifest = await loadManifest(options.manifestPath, env);
  const entries = Object.entries(manifest.manifest.modules) as [string, ModuleEntry][];
  const { loaded, failures } = await loadModules(
    entries.map(([key, entry]) => ({ key, type: moduleTypeOf(key, entry) })),
    {
      manifestDir: manifest.dir,
      cliDir: options.cliDir,
      modulesFrom: options.modulesFrom,
      coreVersion: coreVersion(),
    },
  );
  const problems: string[] = [];
  const warnings: string[] = [...manifest.warnings];
  const byKey = new Map<string, LoadedModule>(loaded.map((l) => [l.key, l]));
  const failureByKey = new Map<string, LoadFailure>(failures.map((f) => [f.key, f]));
  const specs = new Map<string, Omit<InstanceSpec, 'credentials'> & { credentialSpec?: CredentialSpec }>();

  for (const [key, entry] of entries) {
    const type = moduleTypeOf(key, entry);
    const base = { key, type, optional: entry.optional, mode: entry.mode ?? null };
    const failure = failureByKey.get(key);
    if (failure) {
      // Code that throws on import is isolated (reference fault isolation); a missing or wrong package is a
      // configuration mistake and stops startup, unless the operator marked the module optional.
      if (failure.kind === 'import_failed' || entry.optional) {
        warnings.push(failure.message);
        specs.set(key, { ...base, failure: { status: 'failed_import', error: failure.message } });
      } else {
        problems.push(failure.message);
      }
      continue;
    }
    const { module } = byKey.get(key)!;
    // Parsed once per instance: without zod's compiled fast path, which costs more to build than it saves here.
    const parsed = (module.config as z.ZodType).safeParse(entry.config ?? {}, {
      reportInput: true,
      jitless: true,
    });
    if (!parsed.success) {
      const issues = formatZodIssues(parsed.error, ['modules', key, 'config'], { schema: module.config });
      if (entry.optional) {
        warnings.push(...issues);
        specs.set(key, { ...base, module, failure: { status: 'failed_init', error: issues.join('; ') } });
      } else {
        problems.push(...issues);
      }
      continue;
    }
    specs.set(key, {
      ...base,
      module,
      config: parsed.data,
      credentialSpec: credentialSpecOf(module, parsed.data),
    });
  }

  let secrets: readonly string[] = [];
  let auditChainKey: string | undefined;
  const credentials = new Map<string, Readonly<Record<string, string>>>();
  if (problems.length === 0) {
    let source: Awaited<ReturnType<typeof openCredentialSource>> | undefined;
    try {
      source = await openCredentialSource(manifest.manifest.credentials, {
        env,
        manifestDir: manifest.dir,
      });
      warnings.push(...(source.warnings ?? []));
    } catch (error) {
      if (!isScopedMcpError(error)) throw error;
      // A source the server refuses (a secrets file others can read) is a problem wherever validate runs;
      // one that is not there (SMCP_CREDENTIALS_MISSING) may be deployed only where the agent runs.
      const absent = error.code === 'SMCP_CREDENTIALS_MISSING' && options.credentialsAsWarnings;
      (absent ? warnings : problems).push(error.message);
    }
    if (source) {
      try {
        const wanted = [...specs.values()].filter((s) => s.credentialSpec && !s.failure);
        const required = wanted.filter((s) => !s.optional);
        const resolved = resolveCredentials(source, required.map(toRequest));
        for (const [key, creds] of resolved.byInstance) credentials.set(key, creds);
        const all = [...resolved.secrets];
        for (const spec of wanted.filter((s) => s.optional)) {
          try {
            const one = resolveCredentials(source, [toRequest(spec)]);
            credentials.set(spec.key, one.byInstance.get(spec.key) ?? {});
            all.push(...one.secrets);
          } catch (error) {
            const message = errorMessage(error);
            warnings.push(message);
            specs.set(spec.key, { ...spec, failure: { status: 'failed_init', error: message } });
          }
        }
        const chainKeyName = manifest.manifest.audit?.chain_key;
        if (chainKeyName != null) {
          auditChainKey = source.lookup(chainKeyName);
          if (auditChainKey === undefined) {
            (options.credentialsAsWarnings ? warnings : problems).push(
              `audit.chain_key: credential '${chainKeyName}' is not in ${source.description ?? `the ${source.kind} credential source`}`,
            );
          } else if (Buffer.byteLength(auditChainKey) < MIN_CHAIN_KEY_BYTES) {
            problems.push(
              `audit.chain_key: credential '${chainKeyName}' is shorter than ${MIN_CHAIN_KEY_BYTES} bytes; use a random key (e.g. \`openssl rand -hex 32\`)`,
            );
          } else all.push(auditChainKey);
        }
        secrets = all;
      } catch (error) {
        if (!isScopedMcpError(error)) throw error;
        (options.credentialsAsWarnings ? warnings : problems).push(error.message);
      }
    }
  }
  if (options.check) {
    const found = await checkBeforeStart(manifest, [...specs.values()], {
      bases: searchBases({
        manifestDir: manifest.dir,
        cliDir: options.cliDir,
        modulesFrom: options.modulesFrom,
      }),
    });
    problems.push(...found.problems);
    warnings.push(...found.warnings);
  }
  if (problems.length > 0) throw new StartupError(problems, manifest.path);

  const instances: InstanceSpec[] = [...specs.values()].map(({ credentialSpec: _unused, ...spec }) => ({
    ...spec,
    credentials: credentials.get(spec.key) ?? {},
  }));
  const toolNames = instances.flatMap((i) =>
    i.module && !i.failure ? selectToolKeys(i.module, i.mode).map((k) => exposedToolName(i.key, k)) : [],
  );
  const collisions = staticNameCollisions(
    instances.map((i) => ({ key: i.key, reserved: reservedToolNames(i) })),
    [STATUS_TOOL],
  );
  if (collisions.length > 0) throw new StartupError(collisions.map(collisionMessage), manifest.path);
  return {
    manifest,
    instances,
    secrets: [...secrets, ...declaredSecrets(instances)],
    warnings,
    toolNames,
    ...(auditChainKey !== undefined ? { auditChainKey } : {}),
  };
}

/** A shorter HMAC key could be guessed; 32 bytes is SHA-256's own size. */
const MIN_CHAIN_KEY_BYTES = 32;

/**
 * What `validate` can find before any setup runs: each module's own `check` (looking only) and whether the
 * state backend package is installed. An optional module's problems are warnings, as its failures are.
 */
async function checkBeforeStart(
  manifest: LoadedManifest,
  specs: readonly Omit<InstanceSpec, 'credentials'>[],
  where: { readonly bases: readonly string[] },
): Promise<{ problems: string[]; warnings: string[] }> {
  const problems: string[] = [];
  const warnings: string[] = [];
  await Promise.all(
    specs.map(async (spec) => {
      if (!spec.module?.check || spec.failure) return;
      let found: readonly string[];
      try {
        found = await spec.module.check({
          instance: spec.key,
          config: spec.config as never,
          manifestDir: manifest.dir,
          manifestPath: manifest.path,
          resolvePath: (path: string) => (isAbsolute(path) ? path : resolve(manifest.dir, path)),
          limits: manifest.manifest.limits,
        });
      } catch (error) {
        found = [`its check failed: ${errorLine(error)}`];
      }
      (spec.optional ? warnings : problems).push(
        ...found.map((problem) => `modules.${spec.key}: ${problem}`),
      );
    }),
  );
  const backend = manifest.manifest.state_backend;
  if (backend && backend.type !== 'in_process') {
    const located = await locatePlugin(
      {
        plugin: STATE_BACKEND_PLUGIN,
        label: 'state_backend',
        bases: where.bases,
        coreVersion: coreVersion(),
      },
      REDIS_STATE_PACKAGE,
    );
    if (!located.ok) problems.push(located.failure.message);
  }
  return { problems, warnings };
}

function credentialSpecOf(module: ScopedMcpModule, config: unknown): CredentialSpec | undefined {
  const declared = module.credentials;
  return typeof declared === 'function' ? declared(config as never) : declared;
}

function toRequest(spec: { key: string; credentialSpec?: CredentialSpec }) {
  return {
    instance: spec.key,
    required: spec.credentialSpec?.required ?? [],
    optional: spec.credentialSpec?.optional ?? [],
  };
}
