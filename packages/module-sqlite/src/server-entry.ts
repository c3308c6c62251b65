import { fileURLToPath } from 'node:url';

/** How Node runs the database process's entry point (database-server.ts). */
export interface ServerEntry {
  readonly path: string;
  /** Node options it needs (none when built). */
  readonly nodeArgv: readonly string[];
}

// Run from the package's source (its own tests), the entry point is TypeScript: Node strips the types, and
// this hook maps the source's `./x.js` imports to `./x.ts`. The built package runs dist/database-server.js.
const FROM_SOURCE = import.meta.url.endsWith('.ts');

const SOURCE_HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.startsWith('.') || !specifier.endsWith('.js')) throw error;
      return next(specifier.slice(0, -3) + '.ts', context);
    }
  },
});`)}`;

export const SERVER_ENTRY: ServerEntry = FROM_SOURCE
  ? {
      path: fileURLToPath(new URL('./database-server.ts', import.meta.url)),
      nodeArgv: [
        '--disable-warning=ExperimentalWarning',
        ...(process.features.typescript ? [] : ['--experimental-strip-types']),
        '--import',
        SOURCE_HOOK,
      ],
    }
  : { path: fileURLToPath(new URL('./database-server.js', import.meta.url)), nodeArgv: [] };
