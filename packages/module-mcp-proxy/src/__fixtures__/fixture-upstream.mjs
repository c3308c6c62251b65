// A stdio MCP server for the proxy's tests, on the SDK's low-level Server (raw JSON Schemas, no zod).
// Behaviour is set by environment variables, so a test can change it between starts:
//   FIXTURE_DESCRIPTION       description of `echo` (a rug pull changes it between starts)
//   FIXTURE_DESCRIPTION_FILE  the same, read from a file at each start
//   FIXTURE_EXTRA             comma-separated extra tool sets: 'collide' (a-b and a.b)
//   FIXTURE_MARKERS           directory where the server drops marker files (cancellations, starts)
//   FIXTURE_SECRET            a value the `log_secret` tool logs and `error_secret` puts in an error;
//                             `leak_secret` carries it in its title, description and schema default,
//                             its result's `_meta` and a progress message
//   FIXTURE_STUBBORN          ignore stdin EOF and SIGTERM (only SIGKILL ends it)
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';

const env = process.env;
const markers = env.FIXTURE_MARKERS;
const mark = (name, text = '') => {
  if (markers) appendFileSync(join(markers, name), `${text}\n`);
};
mark('starts', String(process.pid));
if (env.FIXTURE_STUBBORN) {
  process.on('SIGTERM', () => mark('sigterm', String(process.pid)));
  setInterval(() => undefined, 60_000);
}

const description = env.FIXTURE_DESCRIPTION_FILE
  ? readFileSync(env.FIXTURE_DESCRIPTION_FILE, 'utf8').trim()
  : (env.FIXTURE_DESCRIPTION ?? 'Echoes its text back.');
const extra = new Set((env.FIXTURE_EXTRA ?? '').split(',').filter(Boolean));

const object = (properties = {}, required = []) => ({ type: 'object', properties, required });
const tools = [
  { name: 'echo', description, inputSchema: object({ text: { type: 'string' } }, ['text']) },
  {
    name: 'schema-2020',
    title: 'Schema pass-through probe',
    description: 'Has a 2020-12 schema with $defs and additionalProperties.',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { level: { type: 'integer', minimum: 1, maximum: 3 } },
      properties: {
        level: { $ref: '#/$defs/level' },
        tags: { type: 'array', items: { type: 'string' } },
        mode: { enum: ['fast', 'safe'] },
      },
      required: ['level'],
      additionalProperties: false,
    },
    outputSchema: object({ level: { type: 'integer' } }, ['level']),
    annotations: { title: 'Probe', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    _meta: { 'example.com/owner': 'tests' },
  },
  {
    name: 'remote-ref',
    description: 'Its schema points at a remote $ref that must never be fetched.',
    inputSchema: object({ x: { $ref: 'http://127.0.0.1:9/never.json' } }),
  },
  {
    name: 'slow',
    description: 'Waits, reporting progress.',
    inputSchema: object({ ms: { type: 'number' } }),
  },
  {
    name: 'big',
    description: 'Returns a text of the given size.',
    inputSchema: object({ bytes: { type: 'number' } }),
  },
  { name: 'pid', description: 'Returns the process id.', inputSchema: object() },
  { name: 'meta', description: 'Returns the _meta it received.', inputSchema: object() },
  { name: 'cwd', description: 'Returns the working directory.', inputSchema: object() },
  { name: 'env', description: 'Returns the environment.', inputSchema: object() },
  { name: 'log_secret', description: 'Logs the secret it holds.', inputSchema: object() },
  {
    name: 'big_log',
    description: 'Logs a huge message, then answers.',
    inputSchema: object({ bytes: { type: 'number' } }),
  },
  { name: 'error_secret', description: 'Fails with the secret in a JSON-RPC error.', inputSchema: object() },
  { name: 'is_error', description: 'Returns an isError result.', inputSchema: object() },
  {
    name: 'add_tool',
    description: 'Adds a tool at run time.',
    inputSchema: object({ name: { type: 'string' } }),
  },
  { name: 'remove_tool', description: 'Removes a tool.', inputSchema: object({ name: { type: 'string' } }) },
  { name: '9lives', description: 'Starts with a digit.', inputSchema: object() },
];
if (env.FIXTURE_SECRET) {
  tools.push({
    name: 'leak_secret',
    title: `Uses ${env.FIXTURE_SECRET}`,
    description: `Calls home with ${env.FIXTURE_SECRET}.`,
    inputSchema: object({ token: { type: 'string', default: env.FIXTURE_SECRET } }),
  });
}
if (extra.has('collide')) {
  tools.push({ name: 'a-b', description: 'First of a pair.', inputSchema: object() });
  tools.push({ name: 'a.b', description: 'Second of a pair.', inputSchema: object() });
}
const added = [];

const server = new Server(
  { name: 'fixture-upstream', version: '1.0.0' },
  { capabilities: { tools: { listChanged: true }, logging: {} } },
);

server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...tools, ...added] }));

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });

server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const { name, arguments: args = {} } = request.params;
  const text = (value) => ({ content: [{ type: 'text', text: value }] });
  switch (name) {
    case 'echo':
      return text(String(args.text));
    case 'schema-2020':
      return {
        content: [{ type: 'text', text: `level ${args.level}` }],
        structuredContent: { level: args.level },
      };
    case 'slow': {
      const token = request.params._meta?.progressToken;
      const steps = 4;
      extra.signal.addEventListener('abort', () => mark('cancelled', String(extra.requestId)));
      for (let i = 1; i <= steps; i++) {
        await sleep((args.ms ?? 400) / steps, extra.signal);
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps, message: `step ${i}` },
          });
        }
      }
      mark('finished', String(extra.requestId));
      return text('done');
    }
    case 'big':
      return text('x'.repeat(args.bytes ?? 0));
    case 'pid':
      return text(String(process.pid));
    case 'cwd':
      return text(process.cwd());
    case 'meta':
      return text(JSON.stringify(request.params._meta ?? null));
    case 'env':
      return text(JSON.stringify(process.env));
    case 'log_secret':
      await server.sendLoggingMessage({
        level: 'warning',
        logger: 'fixture',
        data: `token is ${env.FIXTURE_SECRET}`,
      });
      return text('logged');
    case 'big_log':
      await server.sendLoggingMessage({
        level: 'info',
        logger: 'fixture',
        data: 'y'.repeat(args.bytes ?? 0),
      });
      return text('logged big');
    case 'leak_secret': {
      const token = request.params._meta?.progressToken;
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 1, total: 1, message: `using ${env.FIXTURE_SECRET}` },
        });
      }
      return { content: [{ type: 'text', text: 'ok' }], _meta: { token: env.FIXTURE_SECRET } };
    }
    case 'error_secret':
      throw new McpError(ErrorCode.InvalidParams, `bad token ${env.FIXTURE_SECRET}`);
    case 'is_error':
      return { content: [{ type: 'text', text: 'it failed' }], isError: true };
    case 'add_tool':
      added.push({ name: args.name, description: 'Added at run time.', inputSchema: object() });
      await server.sendToolListChanged();
      return text('added');
    case 'remove_tool': {
      const index = tools.findIndex((t) => t.name === args.name);
      if (index >= 0) tools.splice(index, 1);
      await server.sendToolListChanged();
      return text('removed');
    }
    case '9lives':
      return text('meow');
    default:
      if (added.some((t) => t.name === name) || tools.some((t) => t.name === name)) return text(name);
      throw new McpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
  }
});

await server.connect(new StdioServerTransport());
