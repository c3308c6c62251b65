import { z } from '@scoped-mcp/core';
import { hostRefusal } from './blocked-addresses.js';
import { originKey } from './guarded-agent.js';

const MIB = 1024 * 1024;

// Headers the module sets itself (Authorization from credential_key, Content-Type for JSON bodies), or that
// name the host, or that undici frames the message with: configured headers may not replace them.
const RESERVED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'host',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

// RFC 9110 token characters; a field value is visible ASCII, space and tab (no CR, LF or NUL).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const service = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(128)
      .refine((name) => !CONTROL.test(name), 'service names cannot hold control characters')
      .describe('What the agent passes as `service` to pick this service.'),
    base_url: z
      .string()
      .min(1)
      .describe(
        'http(s) URL every request of this service starts with (a trailing / is dropped); the path the agent gives is added below it.',
      ),
    credential_key: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Credential key (from the manifest credential source) sent as `Authorization: Bearer <value>`; required once named.',
      ),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Extra request headers for this service; they cannot replace Authorization, Host or Content-Type.',
      ),
    allow_private: z
      .boolean()
      .default(false)
      .describe(
        "Let this service's host be a loopback, private (RFC 1918), CGNAT or unique-local address — for a LAN service. Link-local and metadata addresses stay blocked.",
      ),
  })
  .superRefine((entry, ctx) => {
    const refuse = (message: string, path: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message: `Service '${entry.name}' ${message}` });
    let url: URL;
    try {
      url = new URL(entry.base_url);
    } catch {
      refuse('has a base_url that is not a URL', 'base_url');
      return;
    }
    // The URL itself is never quoted: its query or path may carry a key.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      refuse(`has a base_url that is not http or https (${url.protocol})`, 'base_url');
    } else if (url.username !== '' || url.password !== '') {
      refuse('has a base_url with user info (user:password@); use credential_key instead', 'base_url');
    } else if (url.hash !== '' || entry.base_url.includes('#')) {
      refuse('has a base_url with a fragment (#)', 'base_url');
    } else {
      const refusal = hostRefusal(url.hostname, entry.allow_private);
      if (refusal) {
        refuse(
          `has a blocked base_url: host '${url.hostname}' is ${refusal.why}${refusal.private ? '; set allow_private: true if this is a LAN service you mean to reach' : ''}`,
          'base_url',
        );
      }
    }
    for (const [name, value] of Object.entries(entry.headers ?? {})) {
      if (!HEADER_NAME.test(name)) refuse(`has a header name that is not an HTTP token`, 'headers');
      else if (RESERVED_HEADERS.has(name.toLowerCase())) {
        refuse(
          `cannot set header '${name}': the module sets it (or undici frames the request with it)`,
          'headers',
        );
      } else if (!HEADER_VALUE.test(value)) {
        refuse(
          `has a value for header '${name}' with characters a header cannot carry (CR, LF, control, non-ASCII)`,
          'headers',
        );
      }
    }
  });

export const httpProxyConfig = z.strictObject({
  allowed_services: z
    .array(service)
    .min(1, "http_proxy module requires a non-empty 'allowed_services' list in config")
    .superRefine((services, ctx) => {
      const names = new Set<string>();
      // allow_private is decided per origin at connect time, so services on one origin must agree on it.
      const privateByOrigin = new Map<string, { name: string; allowPrivate: boolean }>();
      for (const [index, entry] of services.entries()) {
        if (names.has(entry.name)) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'name'],
            message: `service name '${entry.name}' is used twice`,
          });
        }
        names.add(entry.name);
        const url = URL.parse(entry.base_url);
        if (!url) continue;
        const origin = originKey(url.protocol, url.hostname, url.port);
        const other = privateByOrigin.get(origin);
        if (other && other.allowPrivate !== entry.allow_private) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'allow_private'],
            message: `Service '${entry.name}' shares its origin with service '${other.name}' but not its allow_private; set the same on both`,
          });
        }
        privateByOrigin.set(origin, { name: entry.name, allowPrivate: entry.allow_private });
      }
    })
    .describe('The services the agent may call, by name; nothing else is reachable.'),
  timeout_ms: z
    .number()
    .int()
    .min(1)
    .max(600_000)
    .default(15_000)
    .describe('Longest a request may take, connection, headers and body together, in ms (default 15000).'),
  max_response_bytes: z
    .number()
    .int()
    .positive()
    .default(4 * MIB)
    .describe('Largest response body read, in bytes (default 4 MiB); a longer one is cut off and refused.'),
  max_request_bytes: z
    .number()
    .int()
    .positive()
    .default(MIB)
    .describe('Largest JSON body post and put send, in bytes (default 1 MiB).'),
});

export type HttpProxyConfig = z.output<typeof httpProxyConfig>;
export type ServiceConfig = HttpProxyConfig['allowed_services'][number];
