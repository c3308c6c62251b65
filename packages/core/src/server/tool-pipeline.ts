import { randomUUID } from 'node:crypto';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { boundArgs, DEFAULT_MAX_AUDIT_ARGS_BYTES } from '../audit/bounded-args.js';
import { type AuditLogger, fileErrorCode } from '../audit/loggers.js';
import { z } from 'zod';
import type { Sanitizer } from '../redact/sanitize.js';
import type { SecretRedactor } from '../redact/secrets.js';
import { errorLine, errorName } from '../errors/error-line.js';
import {
  AuditUnavailableError,
  isScopedMcpError,
  ToolInputError,
  UnexpectedFailure,
} from '../errors/errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { composeMiddleware, type Middleware, type ToolCall } from '../middleware/compose.js';
import type { CallChannel } from '../module/client-channel.js';
import type { AnyToolDefinition, ToolContext, ToolMode } from '../module/types.js';
import { nestsDeeperThan } from '../shared/json-depth.js';
import {
  describeArgumentIssues,
  errorResult,
  type OutputSpec,
  outputSpec,
  redactSecretsInResult,
  toCallToolResult,
} from './tool-result.js';

/** A tool ready to serve: its advertised definition and one prebuilt call closure. */
export interface PreparedTool {
  readonly name: string;
  readonly instance: string;
  readonly key: string;
  readonly mode: ToolMode;
  readonly definition: Tool;
  invoke(args: unknown, call: CallEnvironment): Promise<CallToolResult>;
}

/** What the transport knows about one call. */
export interface CallEnvironment {
  readonly signal: AbortSignal;
  readonly client: CallChannel;
}

export interface PipelineDeps {
  readonly agent: AgentIdentity;
  readonly audit: AuditLogger;
  readonly ops: Logger;
  readonly sanitizer: Sanitizer;
  readonly redactor: SecretRedactor;
  readonly middleware: readonly Middleware[];
  /** `audit.log_args: false` leaves arguments out of audit lines. */
  readonly logArgs: boolean;
  /** `audit.max_args_bytes`: the most of a call's arguments one audit line records (default 16 KiB). */
  readonly maxAuditArgsBytes?: number;
  /**
   * Tools the HITL shadow list answers without running them. They advertise no outputSchema: a client
   * checks structuredContent against it, and the shadow answer cannot match a tool's schema.
   */
  readonly shadowed?: (tool: string) => boolean;
  /** Arguments nesting deeper than this (objects and arrays, the arguments object counted) are refused. */
  readonly maxArgumentDepth: number;
  /**
   * Middleware that also sees the calls refused for their arguments (nested too deep, or not matching the
   * tool's schema): the rate limit, so such calls count like any other. Their `args` are empty.
   */
  readonly admission?: readonly Middleware[];
}

export interface ToolSource {
  readonly instance: string;
  readonly key: string;
  readonly tool: AnyToolDefinition<unknown, unknown>;
  /** Overrides `<instance>_<key>` (for core's own unprefixed tools). */
  readonly name?: string;
  /** The handler context of the instance, minus the per-call signal and client channel. */
  readonly context: Omit<ToolContext<unknown, unknown>, 'signal' | 'client'>;
}

const EMPTY_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});
/** What the admission middleware's innermost step answers: the call may go on to be refused for its arguments. */
const ADMITTED = Object.freeze({ content: [] });

export function exposedToolName(instance: string, key: string): string {
  return `${instance}_${key}`;
}

/** Everything about a tool that can be computed once is computed here, at startup. */
export function prepareTool(source: ToolSource, deps: PipelineDeps): PreparedTool {
  const { instance, key, tool, context } = source;
  const name = source.name ?? exposedToolName(instance, key);
  const shadowed = deps.shadowed?.(name) === true;
  const spec = tool.output && !shadowed ? outputSpec(tool.output) : undefined;
  const definition = describeTool(name, tool, spec, shadowed);
  const { audit, ops, sanitizer, redactor, agent, logArgs, maxArgumentDepth } = deps;
  const maxArgsBytes = deps.maxAuditArgsBytes ?? DEFAULT_MAX_AUDIT_ARGS_BYTES;
  const argsFields = (args: unknown) => auditArgs(args, logArgs, sanitizer, maxArgsBytes);
  // Fail closed: a tool that changes something runs only once a line saying so is in the audit log. Written
  // last, after every guardrail let the call through, so a refused call costs no second line; when it cannot
  // be written, the call is refused (AuditUnavailableError) and the handler never runs.
  const announce = tool.mode === 'write';
  // A plain object of own properties per call: a handler that spreads or copies ctx keeps all of it.
  const handler = async (call: ToolCall) => {
    if (announce) audit.info({ tool: name, ...argsFields(call.args) }, 'tool_call_started');
    return tool.handler(call.args, { ...context, signal: call.signal, client: call.client });
  };
  const chain = composeMiddleware(deps.middleware, handler);
  const tooDeep = () =>
    new ToolInputError(
      `Arguments for '${name}' nest deeper than ${maxArgumentDepth} levels of objects and arrays (limits.max_argument_depth); send flatter arguments.`,
      { name: 'max_argument_depth', value: maxArgumentDepth },
    );
  // A call refused for its arguments passes the admission middleware (the rate limit) first, so it counts
  // like any other: an agent cannot send unlimited invalid calls, each one costing an audit line.
  const admit = composeMiddleware(deps.admission ?? [], () => Promise.resolve(ADMITTED));

  async function invoke(rawArgs: unknown, { signal, client }: CallEnvironment): Promise<CallToolResult> {
    const started = performance.now();
    const args = rawArgs ?? EMPTY_ARGS;
    try {
      // Before any check that walks the arguments recursively (zod, a proxy's JSON Schema validator, the
      // JSON text sent upstream): 8,000 levels overflow the stack of each.
      const refusal = nestsDeeperThan(args, maxArgumentDepth) ? tooDeep() : undefined;
      const parsed = refusal ? undefined : tool.input.safeParse(args);
      if (refusal || !parsed?.success) {
        await admit({ tool: name, instance, mode: tool.mode, args: EMPTY_ARGS, agent, signal, client });
        throw refusal ?? new ToolInputError(describeArgumentIssues(name, parsed!.error!));
      }
      const output = await chain({
        tool: name,
        instance,
        mode: tool.mode,
        args: parsed.data as Record<string, unknown>,
        agent,
        signal,
        client,
      });
      const result = toCallToolResult(output, name, spec);
      const leaked = redactSecretsInResult(result, redactor);
      if (leaked > 0) ops.warn({ tool: name, blocks: leaked }, 'secret_redacted_from_result');
      try {
        audit.info({ ...auditFields('ok', started, name), ...argsFields(args) }, 'tool_call');
      } catch (auditError) {
        // The tool has run; what it answered stays unseen until its line can be written.
        return auditRefusal(auditError, true);
      }
      return result;
    } catch (error) {
      return failure(error, started, args);
    }
  }

  /** The answer when the audit log cannot take a line: the call's own outcome is not told. */
  function auditRefusal(error: unknown, ran: boolean): CallToolResult {
    const refusal =
      error instanceof AuditUnavailableError && error.ran === ran
        ? error
        : new AuditUnavailableError(ran, error);
    try {
      ops.error({ tool: name, ran, error_code: fileErrorCode(error) }, 'audit_write_failed');
    } catch {
      // The ops log may sit on the same full disk; the agent's answer still says what happened.
    }
    return errorResult(refusal, refusal.message);
  }

  function failure(error: unknown, started: number, args: unknown): CallToolResult {
    // Refused before the tool ran (its `tool_call_started` line, or a guardrail's line, could not be written).
    if (error instanceof AuditUnavailableError) return auditRefusal(error, false);
    try {
      return reportFailure(error, started, args);
    } catch (auditError) {
      return auditRefusal(auditError, false);
    }
  }

  function reportFailure(error: unknown, started: number, args: unknown): CallToolResult {
    // A result that does not match the tool's own schema is a bug, reported like any other.
    if (isScopedMcpError(error) && error.code !== 'SMCP_TOOL_OUTPUT_INVALID') {
      const message = redactor.active ? redactor.redact(error.message) : error.message;
      const blocked = error.code === 'SMCP_SCOPE_VIOLATION';
      const fields = { ...auditFields(blocked ? 'blocked' : 'error', started, name), ...argsFields(args) };
      if (blocked) audit.warn({ ...fields, error: sanitizer.redactText(message) }, 'scope_violation');
      // `error` is the error's type, as in the reference; the message is `error_message`.
      else
        audit.error(
          {
            ...fields,
            error: error.name,
            error_code: error.code,
            error_message: sanitizer.redactText(message),
          },
          'tool_error',
        );
      return errorResult(error, message);
    }
    // Unexpected: the message may hold host paths or backend detail, so the agent gets a reference only.
    const refusal = new UnexpectedFailure(name, randomUUID().slice(0, 8));
    const ref = refusal.details.ref;
    const stack = (error as { stack?: unknown } | null | undefined)?.stack;
    ops.error(
      {
        ref,
        tool: name,
        error_type: errorName(error),
        ...(isScopedMcpError(error) ? { error_code: error.code } : {}),
        // Redacted before it is cut: a cut could leave part of a secret that redaction no longer matches.
        error: errorLine(sanitizer.redactText(errorLine(error, Number.POSITIVE_INFINITY)), 2000),
        // A thrown non-error has no stack: its one line stands in.
        stack: sanitizer.redactText(
          typeof stack === 'string' ? stack : errorLine(error, Number.POSITIVE_INFINITY),
        ),
      },
      'tool_failed_unexpectedly',
    );
    audit.error(
      {
        ...auditFields('error', started, name),
        ...argsFields(args),
        error: errorName(error),
        error_code: refusal.code,
        ref,
      },
      'tool_error',
    );
    return errorResult(refusal, refusal.message);
  }

  return { name, instance, key, mode: tool.mode, definition, invoke };
}

function auditFields(
  status: 'ok' | 'blocked' | 'error',
  started: number,
  tool: string,
): Record<string, unknown> {
  const elapsed_ms = Math.round((performance.now() - started) * 100) / 100;
  return { status, elapsed_ms, tool };
}

const NO_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});

/** `args` of an audit line: sanitised, then cut to `maxBytes` (`args_cut_from` then gives the size it had). */
function auditArgs(
  args: unknown,
  logArgs: boolean,
  sanitizer: Sanitizer,
  maxBytes: number,
): Readonly<Record<string, unknown>> {
  if (!logArgs) return NO_ARGS;
  const bounded = boundArgs(sanitizer.sanitize(args), maxBytes);
  return bounded.cutFrom === undefined
    ? { args: bounded.args }
    : { args: bounded.args, args_cut_from: bounded.cutFrom };
}

function describeTool(
  name: string,
  tool: AnyToolDefinition<unknown, unknown>,
  output: OutputSpec | undefined,
  shadowed: boolean,
): Tool {
  let inputSchema: Tool['inputSchema'];
  if (tool.inputSchema) {
    // A proxied upstream's schema goes out exactly as it came ($schema, $defs, additionalProperties kept).
    inputSchema = structuredClone(tool.inputSchema) as Tool['inputSchema'];
  } else {
    inputSchema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Tool['inputSchema'];
    delete (inputSchema as { $schema?: unknown }).$schema;
  }
  const readOnly = tool.mode === 'read';
  const hints = tool.annotations;
  return {
    name,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description,
    inputSchema,
    ...(output
      ? { outputSchema: structuredClone(output.jsonSchema) }
      : tool.outputSchema && !shadowed
        ? { outputSchema: structuredClone(tool.outputSchema) as Tool['outputSchema'] }
        : {}),
    // A read tool is always advertised read-only; a write tool's hints default from its mode, and a
    // proxy's upstream hints (passed in `annotations`) are kept as the upstream declared them.
    annotations: readOnly
      ? { ...hints, readOnlyHint: true, destructiveHint: false }
      : { readOnlyHint: false, destructiveHint: true, ...hints },
  };
}
