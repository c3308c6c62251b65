import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ErrorCode } from '../errors/codes.js';
import { ManifestError } from './manifest-error.js';
import type { Manifest } from './manifest-types.js';
import { parseManifest } from './parse-manifest.js';

export interface LoadedManifest {
  /** Absolute path of the manifest file. */
  readonly path: string;
  /** Absolute directory of the manifest; relative paths in it (modules, secrets file) resolve from here. */
  readonly dir: string;
  readonly manifest: Manifest;
  readonly warnings: string[];
}

/** Reads, substitutes, parses and validates a manifest (YAML or JSON). Throws `ManifestError`. */
export async function loadManifest(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedManifest> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw readError(path, error);
  }
  const { manifest, warnings } = parseManifest(text, path, env);
  return { path: absolute, dir: dirname(absolute), manifest, warnings };
}

function readError(path: string, error: unknown): ManifestError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ManifestError(
      ErrorCode.manifestNotFound,
      path,
      [`${path}: file not found`],
      `Manifest file not found: ${path}`,
    );
  }
  const reason =
    code === 'EISDIR'
      ? 'is a directory, not a file'
      : code === 'EACCES'
        ? 'cannot be read (permission denied)'
        : `cannot be read (${code ?? 'unknown error'})`;
  return new ManifestError(
    ErrorCode.manifestNotFound,
    path,
    [`${path}: ${reason}`],
    `Manifest '${path}' ${reason}`,
  );
}
