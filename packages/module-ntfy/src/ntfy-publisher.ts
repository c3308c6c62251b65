import { jsonObject, joinUrl, type ServiceClient, type ServiceResponse } from '@scoped-mcp/service-http';
import type { Priority } from './config.js';

// The one ntfy request of this package, for the tool and for the HITL sender alike: POST {server}/{topic}
// with the message as the body and Title / Priority / Tags headers — the reference's request shape, which
// ntfy has always accepted. Header values come from the agent, so each goes through `headerValue`: control
// characters gone, at most 250 characters, and anything beyond printable ASCII sent as RFC 2047
// encoded-words (`=?UTF-8?B?…?=`), which ntfy decodes (2.4.0 and later). A header can then hold no CR or
// LF at all, and a title in any script arrives as written.

export interface NtfyServer {
  /** NTFY_URL (or `hitl.notify.url`): the server's base URL. */
  readonly base: string;
  /** NTFY_TOKEN, sent as a bearer token; only ever set for https or loopback URLs. */
  readonly token?: string;
}

export interface NtfyMessage {
  readonly topic: string;
  readonly message: string;
  readonly title?: string;
  readonly priority?: Priority;
  /** Comma-separated, as ntfy's header takes them; sent only when not empty. */
  readonly tags?: string;
}

/** The reference's cut for a header value, in characters. */
export const HEADER_MAX_CHARS = 250;
/** Bytes of UTF-8 per encoded-word: 44 bytes → 60 base64 characters, 72 with the markers (≤ 75, RFC 2047). */
const WORD_BYTES = 44;

/** Sends one message; resolves with ntfy's answer whatever its status (the caller decides). */
export function publish(
  client: ServiceClient,
  server: NtfyServer,
  message: NtfyMessage,
  signal?: AbortSignal,
): Promise<ServiceResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (message.title !== undefined) headers.Title = headerValue(message.title);
  if (message.priority !== undefined) headers.Priority = message.priority;
  if (message.tags) headers.Tags = headerValue(message.tags);
  if (server.token) headers.Authorization = `Bearer ${server.token}`;
  return client.send({
    method: 'POST',
    url: joinUrl(server.base, encodeURIComponent(message.topic)),
    headers,
    body: message.message,
    ...(signal ? { signal } : {}),
  });
}

/**
 * A header value from any text: CR removed and LF made a space (as the reference does), other control
 * characters removed, cut to 250 characters; printable ASCII is sent as is, anything else as encoded-words.
 */
export function headerValue(text: string): string {
  const flat = text
    .replaceAll('\r', '')
    .replaceAll('\n', ' ')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
  const chars = Array.from(flat).slice(0, HEADER_MAX_CHARS);
  const cut = chars.join('');
  if (/^[\x20-\x7e]*$/.test(cut)) return cut;
  const words: string[] = [];
  let word = '';
  for (const char of chars) {
    if (Buffer.byteLength(word + char) > WORD_BYTES) {
      words.push(word);
      word = '';
    }
    word += char;
  }
  if (word) words.push(word);
  // Whitespace between adjacent encoded-words is dropped by decoders, so the text comes back whole.
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

/**
 * ntfy's documented error name from its JSON answer (`{"code":40301,"http":403,"error":"forbidden"}`), when
 * it is a short plain phrase; nothing else of the answer is ever quoted.
 */
export function ntfyError(response: ServiceResponse): string | undefined {
  const error = jsonObject(response.text)?.error;
  return typeof error === 'string' && /^[A-Za-z0-9 ,.:'()_-]{1,100}$/.test(error) ? error : undefined;
}
