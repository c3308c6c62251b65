import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { AuditLogger } from '../audit/loggers.js';
import { PolicyError, ToolFailure } from '../errors/errors.js';
import type { ResponseFilterRule } from '../manifest/schema.js';
import {
  compileResponseRules,
  mapStrings,
  ResponsePass,
  type ResponseRule,
  type StringVisitor,
} from '../middleware/response-filter.js';
import type { CallChannel, SessionChannel } from '../module/client-channel.js';
import type { SecretRedactor } from '../redact/secrets.js';

export interface OutboundPolicyOptions {
  /** Exact-value redaction of every secret the process holds (credentials and module-declared secrets). */
  readonly redactor: SecretRedactor;
  /** The manifest's response_filters. */
  readonly rules?: readonly ResponseFilterRule[];
  readonly audit: AuditLogger;
  readonly ops: Logger;
}

/** The tools/list the agent is shown: the definitions after the policy, and those a block rule withheld. */
export interface ListedTools {
  readonly tools: readonly Tool[];
  readonly withheld: ReadonlySet<string>;
}

/**
 * What the agent may read, applied where core meets the agent's client, on every channel besides tool
 * results (which the response filter middleware and the pipeline's secret redaction handle): tool
 * definitions, relayed notifications (`notifications/message`, `notifications/progress`) and
 * server→client requests (sampling, elicitation, roots). Each string is redacted of held secrets, then
 * the response filters run on it as on a tool result. Modules reach the client only through the
 * channels this policy wraps, so none can send around it.
 *
 * A block rule refuses a whole message: a notification is dropped, a request is refused to whoever made
 * it, a tool definition is withheld from tools/list (and its calls refused as unknown). All compiled
 * once; with no secret and no rule the channels are returned unwrapped and nothing is walked.
 */
export interface OutboundPolicy {
  readonly active: boolean;
  toolDefinitions(tools: readonly Tool[]): ListedTools;
  /** A module's session channel, its logging and requests filtered. */
  session(channel: SessionChannel, module: string): SessionChannel;
  /** A call's channel: its logging, requests and progress messages filtered. */
  call(channel: CallChannel, tool: string): CallChannel;
}

export function createOutboundPolicy(options: OutboundPolicyOptions): OutboundPolicy {
  const { redactor, audit, ops } = options;
  const rules: readonly ResponseRule[] = compileResponseRules(options.rules ?? []);
  const active = redactor.active || rules.length > 0;

  /** One message: redacts and filters every string of `value`; throws PolicyError on a block. */
  function filter<T>(value: T, where: Readonly<Record<string, unknown>>, name: string): T {
    const pass = rules.length > 0 ? new ResponsePass(rules, audit, where, name) : undefined;
    let secrets = 0;
    const visit: StringVisitor = (text) => {
      let out = text;
      if (redactor.active && redactor.contains(out)) {
        out = redactor.redact(out);
        secrets++;
      }
      return pass ? pass.apply(out) : out;
    };
    const filtered = mapStrings(value, visit) as T;
    pass?.report();
    if (secrets > 0) ops.warn({ ...where, strings: secrets }, 'secret_redacted_from_message');
    return filtered;
  }

  /** A notification: the filtered params, or undefined when a block rule dropped it (audited by the pass). */
  function notification<T>(value: T, where: Readonly<Record<string, unknown>>): T | undefined {
    try {
      return filter(value, where, String(where.tool ?? where.module ?? ''));
    } catch (error) {
      if (error instanceof PolicyError) return undefined;
      throw error;
    }
  }

  function request(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    where: Readonly<Record<string, unknown>>,
  ): Readonly<Record<string, unknown>> | undefined {
    try {
      return filter(params, { ...where, channel: method }, method);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      // Generic, like every refusal the agent's side can see: naming the rule would teach how to avoid it.
      throw new ToolFailure(`the request '${method}' was refused by the response filter policy`);
    }
  }

  function session(channel: SessionChannel, where: Readonly<Record<string, unknown>>): SessionChannel {
    return {
      clientReady: () => channel.clientReady(),
      clientCapabilities: () => channel.clientCapabilities(),
      request: (method, params, requestOptions) =>
        channel.request(method, request(method, params, where), requestOptions),
      async log(level, data, logger) {
        const message = notification(
          { data, ...(logger !== undefined ? { logger } : {}) },
          { ...where, channel: 'notifications/message' },
        );
        if (message !== undefined) await channel.log(level, message.data, message.logger);
      },
      toolsChanged: () => channel.toolsChanged(),
    };
  }

  return {
    active,
    toolDefinitions(tools) {
      if (!active) return { tools, withheld: new Set() };
      const listed: Tool[] = [];
      const withheld = new Set<string>();
      for (const tool of tools) {
        const { name, ...rest } = tool;
        try {
          const filtered = filter(rest, { tool: name, channel: 'tools/list' }, name);
          listed.push(filtered === rest ? tool : ({ name, ...filtered } as Tool));
        } catch (error) {
          if (!(error instanceof PolicyError)) throw error;
          withheld.add(name);
          ops.warn({ tool: name }, 'tool_withheld_by_response_filter');
        }
      }
      return { tools: listed, withheld };
    },
    session: (channel, module) => (active ? session(channel, { module }) : channel),
    call(channel, tool) {
      if (!active) return channel;
      const where = { tool };
      return {
        ...session(channel, where),
        ...(channel.progressToken !== undefined ? { progressToken: channel.progressToken } : {}),
        ...(channel.meta !== undefined ? { meta: channel.meta } : {}),
        async progress(progress, total, message) {
          if (message === undefined) return channel.progress(progress, total);
          const filtered = notification(message, { ...where, channel: 'notifications/progress' });
          if (filtered !== undefined) await channel.progress(progress, total, filtered);
        },
      };
    },
  };
}
