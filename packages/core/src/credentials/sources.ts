import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { CredentialsError, isScopedMcpError } from '../errors/errors.js';
import { isPlainMapping, lineColumnAt, parseYaml } from '../manifest/load.js';
import type { Manifest } from '../manifest/schema.js';

// Where credential values come from: the environment, a secrets file, or a bundle fetched once (Vault).

/**
 * Where credential values come from. `lookup` is synchronous: a remote store (Vault) fetches its bundle once
 * when opened and answers from that map (see `credentialSourceFromMap`).
 */
export interface CredentialSource {
  readonly kind: 'env' | 'file' | (string & {});
  /** Names the source in messages, e.g. `file /run/secrets/agent.yml`; never contains a value. */
  readonly description?: string;
  /** Problems accepted on purpose (e.g. loose file permissions with `strict_permissions: false`). */
  readonly warnings?: readonly string[];
  lookup(key: string): string | undefined;
}

export interface OpenCredentialSourceOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Directory of the manifest; a relative secrets-file path resolves from it. */
  readonly manifestDir: string;
}

/** Opens the manifest's credential source once, at startup. Throws `CredentialsError` (SMCP_CREDENTIALS_SOURCE). */
export async function openCredentialSource(
  config: Manifest['credentials'],
  options: OpenCredentialSourceOptions,
): Promise<CredentialSource> {
  switch (config.source) {
    case 'env':
      return envCredentialSource(options.env);
    case 'file':
      return openFileCredentialSource(config.path, {
        manifestDir: options.manifestDir,
        strictPermissions: config.strict_permissions,
      });
    case 'vault':
      throw new CredentialsError(
        'SMCP_CREDENTIALS_SOURCE',
        "credentials.source 'vault' needs the @scoped-mcp/credentials-vault package, which is not available yet",
      );
    default:
      throw new CredentialsError(
        'SMCP_CREDENTIALS_SOURCE',
        `credentials.source '${String((config as { source: unknown }).source)}' is not supported`,
      );
  }
}

/** Reads credentials from the environment. An empty value counts as present (reference behaviour). */
export function envCredentialSource(env: NodeJS.ProcessEnv): CredentialSource {
  return {
    kind: 'env',
    description: 'env',
    warnings: [],
    // Own properties only: a key such as `constructor` must not resolve to something inherited.
    lookup: (key) => {
      const value = Object.hasOwn(env, key) ? env[key] : undefined;
      return typeof value === 'string' ? value : undefined;
    },
  };
}

export interface FileSourceOptions {
  /** Relative paths resolve from here (the manifest's directory), never from the working directory. */
  readonly manifestDir: string;
  /** Refuse a file others can read or another user owns (default true); false downgrades that to a warning. */
  readonly strictPermissions?: boolean;
}

const MAX_SECRETS_FILE_BYTES = 1024 * 1024;

/**
 * Opens a YAML secrets file (`KEY: value` per line). Values are taken verbatim as strings (`0777` stays
 * `0777`). Messages name the file and keys, never a value or a line of the file.
 */
export async function openFileCredentialSource(
  path: string,
  options: FileSourceOptions,
): Promise<CredentialSource> {
  const file = isAbsolute(path) ? path : resolve(options.manifestDir, path);
  const fail = (message: string) => new CredentialsError('SMCP_CREDENTIALS_SOURCE', message);
  let text: string;
  const warnings: string[] = [];
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer, and startup with it.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    // Checked on the open descriptor, so the file read is the file checked.
    const stats = await handle.stat();
    if (!stats.isFile()) throw fail(`Secrets file '${file}' is not a regular file: it is ${fileKind(stats)}`);
    if (stats.size > MAX_SECRETS_FILE_BYTES) throw fail(`Secrets file '${file}' is larger than 1 MiB`);
    const problems = permissionProblems(file, stats);
    if (problems.length > 0) {
      const summary = `Secrets file '${file}' has insecure permissions: ${problems.join('; ')}`;
      if (options.strictPermissions === false) {
        warnings.push(`${summary} (accepted because credentials.strict_permissions is false)`);
      } else {
        throw fail(
          `${summary}. To accept it anyway set credentials.strict_permissions: false (not recommended).`,
        );
      }
    }
    text = await handle.readFile('utf8');
  } catch (error) {
    if (isScopedMcpError(error)) throw error;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    // Absent, not refused: `validate` may run where the agent's secrets are not deployed.
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CredentialsError('SMCP_CREDENTIALS_MISSING', readFailure(file, error));
    }
    throw fail(readFailure(file, error));
  } finally {
    await handle?.close();
  }
  return credentialSourceFromMap(parseSecrets(file, text, fail), {
    kind: 'file',
    description: `file ${file}`,
    warnings,
  });
}

function permissionProblems(file: string, stats: Stats): string[] {
  const uid = process.getuid?.();
  if (uid === undefined) return []; // Windows: no POSIX modes to check.
  const problems: string[] = [];
  const mode = stats.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    problems.push(`mode 0${mode.toString(8)} lets group/others access it (run: chmod 600 ${file})`);
  }
  if (stats.uid !== uid) {
    problems.push(
      `it is owned by uid ${stats.uid}, not the running user (uid ${uid}) (run: chown ${uid} ${file})`,
    );
  }
  return problems;
}

/** What a file that is not a regular file is, for people. */
function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a file';
}

function readFailure(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `Secrets file not found: ${file}`;
  if (code === 'EACCES') return `Secrets file '${file}' cannot be read (permission denied)`;
  if (code === 'EISDIR') return `Secrets file '${file}' is not a regular file: it is a directory`;
  return `Secrets file '${file}' cannot be read (${code ?? 'unknown error'})`;
}

function parseSecrets(
  file: string,
  text: string,
  fail: (message: string) => CredentialsError,
): Map<string, string> {
  const parsed = parseYaml(text, 'verbatim');
  const first = parsed.errors[0];
  if (first) {
    let where = '';
    if (first.offset !== undefined) {
      const { line, column } = lineColumnAt(text, first.offset);
      where = `line ${line}, column ${column}: `;
    }
    throw fail(`Secrets file '${file}' is not valid YAML (${where}${first.code})`);
  }
  if (!isPlainMapping(parsed.value))
    throw fail(`Secrets file '${file}' must be a YAML mapping of KEY: value`);
  const values = new Map<string, string>();
  const nested: string[] = [];
  for (const [key, value] of Object.entries(parsed.value)) {
    if (typeof value === 'string') values.set(key, value);
    else nested.push(key);
  }
  if (nested.length > 0) {
    throw fail(
      `Secrets file '${file}': the value of ${nested.join(', ')} must be a plain string, not a list or mapping`,
    );
  }
  return values;
}

export interface MapSourceOptions {
  readonly kind: string;
  readonly description?: string;
  readonly warnings?: readonly string[];
}

/** A source answering from a prefetched bundle (secrets file, Vault KV read). Copies the bundle. */
export function credentialSourceFromMap(
  values: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  options: MapSourceOptions,
): CredentialSource {
  const bundle = new Map<string, string>(values instanceof Map ? values : Object.entries(values));
  return {
    kind: options.kind,
    description: options.description ?? options.kind,
    warnings: Object.freeze([...(options.warnings ?? [])]),
    lookup: (key) => bundle.get(key),
  };
}
