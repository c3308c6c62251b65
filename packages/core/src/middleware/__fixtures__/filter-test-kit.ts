import type { Logger } from 'pino';
import type { ArgumentFilterRule, ResponseFilterRule } from '../../manifest/schema.js';
import type { CallChannel } from '../../module/client-channel.js';
import { captureLogger } from '@scoped-mcp/testing';
import type { ToolCall } from '../compose.js';

export const AGENT = { id: 'agent-a', type: 'test', sessionId: '00000000-0000-4000-8000-000000000000' };

export function fakeCall(tool: string, args: Record<string, unknown>): ToolCall {
  return {
    tool,
    instance: tool.split('_')[0] as string,
    mode: 'write',
    args,
    agent: AGENT,
    signal: new AbortController().signal,
    client: {} as CallChannel,
  };
}

export function argRule(
  rule: Partial<ArgumentFilterRule> & { name: string; pattern: string },
): ArgumentFilterRule {
  return { fields: ['*'], action: 'block', decode: [], case_insensitive: false, ...rule };
}

export function responseRule(
  rule: Partial<ResponseFilterRule> & { name: string; pattern: string },
): ResponseFilterRule {
  return { action: 'warn', decode: [], case_insensitive: false, ...rule };
}

export function auditSink(): { audit: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  return { audit: captureLogger('audit', records), records };
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
export const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
/** Every byte percent-encoded (what an evasive agent would send). */
export const pct = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
