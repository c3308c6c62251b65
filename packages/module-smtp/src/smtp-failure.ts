import { LimitExceededError, type ScopedMcpError, ToolFailure, UpstreamError } from '@scoped-mcp/core';
import { SMTP_PASSWORD, SMTP_USER } from './smtp-transport.js';

/** What nodemailer puts on the errors of a send (its `code` table is in nodemailer's errors.d.ts). */
interface NodemailerError {
  readonly code?: unknown;
  readonly originalCode?: unknown;
  readonly responseCode?: unknown;
  readonly response?: unknown;
}

export interface FailedSend {
  /** The send's own deadline (send_timeout_seconds) had passed. */
  readonly deadlinePassed: boolean;
  readonly timeoutSeconds: number;
  readonly sendTimeoutSeconds: number;
}

const NOT_SENT = 'the message was not sent';
const MAYBE_SENT = 'the message may or may not have been delivered';
const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ERR_TLS|ERR_SSL/;

/**
 * A nodemailer failure as one of core's errors, with a message written here: nodemailer's own messages
 * carry the host and port ("connect ECONNREFUSED 10.0.0.5:587"), and its errors the command sent. The
 * server's reply is quoted only when it answered a message (RCPT, DATA), never a login.
 */
export function smtpFailure(error: unknown, send: FailedSend): ScopedMcpError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as NodemailerError;
  const code = typeof failure.code === 'string' ? failure.code : '';
  const original = typeof failure.originalCode === 'string' ? failure.originalCode : '';
  const reply = typeof failure.responseCode === 'number' ? failure.responseCode : undefined;
  if (code === 'EABORT') {
    return send.deadlinePassed
      ? new LimitExceededError(
          `The SMTP server did not finish within ${send.sendTimeoutSeconds} s (send_timeout_seconds); ${MAYBE_SENT}`,
          { name: 'send_timeout_seconds', value: send.sendTimeoutSeconds },
        )
      : new ToolFailure(`Sending was cancelled before the SMTP server confirmed it; ${MAYBE_SENT}`);
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `The SMTP server refused the login${reply ? ` (${reply})` : ''}; the operator should check credentials ${SMTP_USER} and ${SMTP_PASSWORD}; ${NOT_SENT}`,
    );
  }
  if (code === 'ETLS') {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `The SMTP server did not start TLS (STARTTLS not offered or refused), and this module does not send without it (config tls: starttls); ${NOT_SENT}`,
    );
  }
  if (CERTIFICATE_CODE.test(original)) {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `The SMTP server's TLS certificate was not accepted (${original}); for a private CA the operator sets config tls_ca_file; ${NOT_SENT}`,
    );
  }
  if (code === 'ETIMEDOUT') {
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `The SMTP server did not answer within ${send.timeoutSeconds} s (timeout_seconds); ${MAYBE_SENT}`,
    );
  }
  if (code === 'ESOCKET' || code === 'ECONNECTION' || code === 'EDNS' || code === 'EPROXY') {
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `The SMTP server could not be reached (${original || code}); ${MAYBE_SENT}`,
    );
  }
  if (reply !== undefined) {
    const quoted = quotedReply(failure.response, reply);
    return reply >= 400 && reply < 500
      ? new UpstreamError(
          'SMCP_UPSTREAM_UNAVAILABLE',
          `The SMTP server refused the message for now: ${quoted}; retry later`,
        )
      : new UpstreamError('SMCP_UPSTREAM_ERROR', `The SMTP server refused the message: ${quoted}`);
  }
  return new UpstreamError(
    'SMCP_UPSTREAM_ERROR',
    `Sending failed (${code || 'unknown error'}); ${MAYBE_SENT}`,
  );
}

const REPLY_MAX = 200;

/** The server's reply on one line, in printable ASCII, bounded. */
function quotedReply(response: unknown, reply: number): string {
  const text = typeof response === 'string' ? response : String(reply);
  const line = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return line.length > REPLY_MAX ? `${line.slice(0, REPLY_MAX)}…` : line;
}
