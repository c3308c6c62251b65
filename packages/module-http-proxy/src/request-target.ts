import { ScopeViolation } from '@scoped-mcp/core';
import type { Service } from './services.js';

/** Query parameters the agent may add: scalar values only. */
export type QueryParams = Readonly<Record<string, string | number | boolean>>;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// An encoded / or \ is one segment to the URL parser and two to a server that decodes it first.
const ENCODED_SEPARATOR = /%(2f|5c)/i;

/**
 * The URL of a request: the service's base URL, then the agent's path below its base path, then the base
 * URL's own query, the path's query and `params`, in that order (the base query is never replaced).
 *
 * The path cannot leave the service. Leading slashes are dropped (`//evil.example/x` is a path), the URL is
 * assembled as text after the base's origin and parsed by the WHATWG parser, and the result must keep the
 * base's origin and lie under its base path. Refused before parsing, because the parser would otherwise
 * silently change them: `\` (read as `/`), control characters (tab and newline are deleted), `#`, encoded
 * separators (`%2F`, `%5C`), and every `..` segment, also written `%2e%2e` or followed by `;` parameters
 * (`..;/`, which some servers resolve as `..`). A caller never needs `..`: it can name the path it means.
 */
export function requestTarget(service: Service, path: string, params?: QueryParams | null): URL {
  const refuse = (why: string): never => {
    throw new ScopeViolation(`Path refused for service '${service.name}': ${why}`);
  };
  if (path.includes('\\')) refuse("it contains '\\'");
  if (CONTROL.test(path)) refuse('it contains a control character (tab, newline, …)');
  if (path.includes('#')) refuse("it contains '#'");
  const relative = path.replace(/^\/+/, '');
  const queryAt = relative.indexOf('?');
  const pathPart = queryAt === -1 ? relative : relative.slice(0, queryAt);
  if (ENCODED_SEPARATOR.test(pathPart)) refuse("it contains an encoded '/' or '\\' (%2F, %5C)");
  for (const segment of pathPart.split('/')) {
    const bare = segment.replace(/%2e/gi, '.').split(';', 1)[0];
    if (bare === '..') refuse("it contains a '..' segment");
  }

  const { base, basePath } = service;
  const url = new URL(`${base.origin}${basePath}/${relative}`);
  const underBase = basePath === '' || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
  if (url.origin !== base.origin || !underBase) refuse("it leads outside the service's base URL");

  const query = [base.search.slice(1), url.search.slice(1)];
  if (params) {
    query.push(
      new URLSearchParams(
        Object.entries(params).map(([key, value]): [string, string] => [key, String(value)]),
      ).toString(),
    );
  }
  url.search = query.filter((part) => part !== '').join('&');
  return url;
}
