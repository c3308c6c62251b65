import { ToolFailure } from '../errors/scoped-mcp-error.js';
import type { CallChannel, SessionChannel } from '../module/client-channel.js';

/** A session with no client behind it (tests, `validate`): requests fail, notifications go nowhere. */
export function detachedSession(capabilities: Readonly<Record<string, unknown>> = {}): SessionChannel {
  return {
    clientReady: () => Promise.resolve(capabilities),
    clientCapabilities: () => capabilities,
    request: (method) =>
      Promise.reject(new ToolFailure(`the client cannot answer '${method}': no client is connected`)),
    log: () => Promise.resolve(),
    toolsChanged: () => undefined,
  };
}

/** A call channel over a session, for calls that carry no progress token. */
export function callChannel(
  session: SessionChannel,
  extras: Partial<Pick<CallChannel, 'progressToken' | 'meta' | 'progress'>> = {},
): CallChannel {
  return {
    clientReady: () => session.clientReady(),
    clientCapabilities: () => session.clientCapabilities(),
    request: (method, params, options) => session.request(method, params, options),
    log: (level, data, logger) => session.log(level, data, logger),
    toolsChanged: () => session.toolsChanged(),
    progress: extras.progress ?? (() => Promise.resolve()),
    ...(extras.progressToken !== undefined ? { progressToken: extras.progressToken } : {}),
    ...(extras.meta !== undefined ? { meta: extras.meta } : {}),
  };
}
