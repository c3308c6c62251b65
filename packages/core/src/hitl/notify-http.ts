/** Every notification request gives up after this long; the agent's refusal waits for it. */
export const NOTIFY_TIMEOUT_MS = 10_000;

/**
 * A notifier failure with a message safe for the audit log: a status or a failure class, never the URL
 * (a webhook URL is often the secret) and never a response body.
 */
export class NotifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotifyError';
  }
}

export interface HttpRequest {
  readonly method: 'POST' | 'PUT';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Sends one request with Node's fetch; resolves on 2xx, throws NotifyError otherwise. Redirects are refused. */
export async function sendNotification(
  request: HttpRequest,
  timeoutMs: number = NOTIFY_TIMEOUT_MS,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      // A redirect could carry the Authorization header or the body somewhere the operator did not name.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    throw new NotifyError(
      name === 'TimeoutError'
        ? `timed out after ${timeoutMs / 1000} s`
        : 'request failed (network error or redirect)',
    );
  }
  // Drain the body so the connection is released; its content is never read.
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) throw new NotifyError(`HTTP ${response.status}`);
}

/** Bearer tokens go over https, or plain http to this machine only (where nothing is on the wire). */
export function safeForToken(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Base URL without trailing slashes, so `{base}/{path}` never doubles them. */
export function joinUrl(base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}/${path}`);
}
