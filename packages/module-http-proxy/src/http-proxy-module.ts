import {
  DEFAULT_MAX_JSON_DEPTH,
  defineModule,
  type JsonValue,
  LimitExceededError,
  ModuleConfigError,
  nestsDeeperThan,
  structuredResult,
  z,
} from '@scoped-mcp/core';
import { httpProxyConfig } from './config.js';
import { guardedAgent, type HostLookup, type SocketConnector, systemLookup } from './guarded-agent.js';
import { exchange, type Method, serviceClient } from './http-exchange.js';
import { requestTarget } from './request-target.js';
import type { ServiceClient } from '@scoped-mcp/service-http';
import type { Agent } from 'undici';
import { buildServices, privateOrigins, type Service, serviceCredentials, serviceNamed } from './services.js';

/** What a tool handler works with: the services, a client for each over the one guarded agent, the cap. */
export interface HttpProxyState {
  readonly services: ReadonlyMap<string, Service>;
  readonly clients: ReadonlyMap<string, ServiceClient>;
  readonly agent: Agent;
  readonly maxRequestBytes: number;
}

/**
 * What sits under the connection guard, for tests and embedders: the resolver the guard asks and the
 * connector it hands checked addresses to. Neither can be set from a manifest, and the guard's checks run
 * whatever they are.
 */
export interface HttpProxyModuleOptions {
  /** Resolves host names (default: the system resolver, every address). */
  readonly lookup?: HostLookup;
  /** Opens sockets to checked addresses (default: undici's connector with `timeout_ms`). */
  readonly connect?: SocketConnector;
}

const serviceName = z.string().max(128).describe("The service's name, one of allowed_services.");
const pathText = z
  .string()
  .max(8192)
  .describe(
    "Path below the service's base URL, e.g. 'repos/acme/app/issues' (a leading / is ignored; it may end in ?query).",
  );
const jsonBody = z
  .record(z.string(), z.unknown())
  .nullable()
  .optional()
  .describe('JSON object sent as the request body ({} when omitted).');

const answer = z.object({
  status: z.number().int().describe('The HTTP status of the answer (2xx).'),
  body: z
    .unknown()
    .describe(
      'The answer: its JSON, or {"text": …} when it is not JSON; for delete, {"status": "deleted"} when it is empty.',
    ),
});

/** http_proxy with its resolver and socket connector chosen; the package's default export uses the system's. */
export function createHttpProxyModule(options: HttpProxyModuleOptions = {}) {
  return defineModule({
    name: 'http_proxy',
    description:
      'HTTP requests to the services named in allowed_services, and nowhere else: every connection is checked on the address it is made to (private, loopback, link-local and metadata addresses refused), redirects are not followed.',
    config: httpProxyConfig,
    credentials: serviceCredentials,
    setup({ config, credentials, limits }): HttpProxyState {
      if (config.max_request_bytes >= limits.max_message_bytes) {
        throw new ModuleConfigError(
          `max_request_bytes (${config.max_request_bytes}) must be below limits.max_message_bytes (${limits.max_message_bytes}): no call could carry such a body`,
        );
      }
      const services = buildServices(config, credentials);
      const agent = guardedAgent({
        privateOrigins: privateOrigins(services),
        lookup: options.lookup ?? systemLookup,
        connect: options.connect,
        connectTimeoutMs: config.timeout_ms,
      });
      const caps = { timeoutMs: config.timeout_ms, maxResponseBytes: config.max_response_bytes };
      const clients = new Map(
        [...services.values()].map((service) => [service.name, serviceClient(service, agent, caps)]),
      );
      return { services, clients, agent, maxRequestBytes: config.max_request_bytes };
    },
    async teardown(state) {
      await state.agent.close();
    },
    tools: (tool) => ({
      get: tool({
        mode: 'read',
        title: 'GET from an allowed service',
        description:
          'Send a GET request to one of the allowed services and return its answer (JSON, or {"text": …}). `path` is below the service\'s base URL; `params` are added to the query.',
        input: z.strictObject({
          service: serviceName,
          path: pathText,
          params: z
            .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
            .nullable()
            .optional()
            .describe('Query parameters (string, number or boolean values), added after any in the path.'),
        }),
        output: answer,
        annotations: { openWorldHint: true },
        handler: ({ service, path, params }, { state, signal }) =>
          call(state, signal, 'GET', service, path, { params }),
      }),
      post: tool({
        mode: 'write',
        title: 'POST to an allowed service',
        description:
          'Send a POST request with a JSON body to one of the allowed services and return its answer (JSON, or {"text": …}).',
        input: z.strictObject({ service: serviceName, path: pathText, body: jsonBody }),
        output: answer,
        annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: true },
        handler: ({ service, path, body }, { state, signal }) =>
          call(state, signal, 'POST', service, path, { body }),
      }),
      put: tool({
        mode: 'write',
        title: 'PUT to an allowed service',
        description:
          'Send a PUT request with a JSON body to one of the allowed services and return its answer (JSON, or {"text": …}).',
        input: z.strictObject({ service: serviceName, path: pathText, body: jsonBody }),
        output: answer,
        annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
        handler: ({ service, path, body }, { state, signal }) =>
          call(state, signal, 'PUT', service, path, { body }),
      }),
      delete: tool({
        mode: 'write',
        title: 'DELETE on an allowed service',
        description:
          'Send a DELETE request to one of the allowed services and return its answer, or {"status": "deleted"} when the answer is empty.',
        input: z.strictObject({ service: serviceName, path: pathText }),
        output: answer,
        annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
        handler: ({ service, path }, { state, signal }) => call(state, signal, 'DELETE', service, path, {}),
      }),
    }),
  });
}

async function call(
  state: HttpProxyState,
  signal: AbortSignal,
  method: Method,
  serviceName: string,
  path: string,
  extra: {
    readonly params?: Readonly<Record<string, string | number | boolean>> | null;
    readonly body?: Readonly<Record<string, unknown>> | null;
  },
) {
  // Scope first: the service, then the URL; nothing is sent before both pass.
  const service = serviceNamed(state.services, serviceName);
  const url = requestTarget(service, path, extra.params);
  let json: string | undefined;
  if (method === 'POST' || method === 'PUT') {
    json = JSON.stringify(extra.body ?? {});
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > state.maxRequestBytes) {
      throw new LimitExceededError(
        `Request body is ${bytes} bytes; service requests carry at most ${state.maxRequestBytes} (max_request_bytes)`,
        { name: 'max_request_bytes', value: state.maxRequestBytes },
      );
    }
  }
  const client = state.clients.get(service.name) as ServiceClient;
  const { status, text } = await exchange(client, { service, method, url, json }, signal);
  const value = answerBody(method, text);
  return structuredResult({ status, body: value }, JSON.stringify(value));
}

/** The reference's reading of an answer: its JSON, else `{"text": …}`; an empty delete answer is `deleted`. */
function answerBody(method: Method, text: string): JsonValue {
  if (method === 'DELETE' && text === '') return { status: 'deleted' };
  try {
    const parsed = JSON.parse(text) as JsonValue;
    // Deeper JSON would overflow the recursive walks after this one (schema check, serialisation).
    return nestsDeeperThan(parsed, DEFAULT_MAX_JSON_DEPTH) ? { text } : parsed;
  } catch {
    return { text };
  }
}

export default createHttpProxyModule();
