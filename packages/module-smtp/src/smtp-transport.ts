import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { ModuleConfigError, type ModuleContext } from '@scoped-mcp/core';
import type { Transporter } from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import type { SmtpConfig, TlsMode } from './config.js';

/** The credential keys, as the Python reference names them. */
export const SMTP_HOST = 'SMTP_HOST';
export const SMTP_PORT = 'SMTP_PORT';
export const SMTP_USER = 'SMTP_USER';
export const SMTP_PASSWORD = 'SMTP_PASSWORD';

/**
 * Which credentials an instance needs: all four, as in the reference, except for a plain local relay,
 * which usually takes mail from the machine without a login.
 */
export function smtpCredentials(config: SmtpConfig) {
  return config.tls === 'plain_local_relay'
    ? { required: [SMTP_HOST, SMTP_PORT], optional: [SMTP_USER, SMTP_PASSWORD] }
    : { required: [SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD] };
}

// Messages name the credential or config field, never its value: host and port are credentials too.

/** What a send hands the transport: the message, its envelope and its cancellation. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly signal: AbortSignal;
}

/** The instance's one way to the SMTP server. */
export interface SmtpTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/**
 * One nodemailer transport for the instance, without a pool: each send opens its own connection, so a
 * cancelled send closes only its own. Settings are checked here, at startup; nodemailer itself is
 * imported a moment after startup: importing it took 70–170 ms on a 2-core machine, more than the rest of
 * a server start, and a call should not pay it either (no dynamic import on the call path), so it loads in
 * the idle time between the start and the first send — which waits for it only if it comes first.
 */
/** After startup, when the server is idle: long enough to stay out of the start, short next to a first send. */
const NODEMAILER_WARM_UP_MS = 500;

export async function createSmtpTransport(ctx: ModuleContext<SmtpConfig>): Promise<SmtpTransport> {
  const options = await transportOptions(ctx);
  let transport: Promise<Transporter> | undefined;
  const load = (): Promise<Transporter> => {
    transport ??= import('nodemailer').then(({ createTransport }) => createTransport(options));
    return transport;
  };
  // A failed background load is reported by the send that awaits it, not as an unhandled rejection.
  setTimeout(() => load().catch(() => undefined), NODEMAILER_WARM_UP_MS).unref();
  return {
    async send({ from, to, subject, text, signal }) {
      await (await load()).sendMail({
        from,
        to,
        subject,
        text,
        // Stated, not derived from the headers: nothing in them can add a recipient.
        envelope: { from, to: [to] },
        disableFileAccess: true,
        disableUrlAccess: true,
        signal,
      });
    },
    async close() {
      (await transport?.catch(() => undefined))?.close();
    },
  };
}

async function transportOptions(ctx: ModuleContext<SmtpConfig>): Promise<SMTPTransportOptions> {
  const { config, credentials } = ctx;
  const host = connectHost(credentials[SMTP_HOST] ?? '', config.tls);
  const port = portNumber(credentials[SMTP_PORT] ?? '');
  const user = credentials[SMTP_USER];
  const pass = credentials[SMTP_PASSWORD];
  if ((user === undefined) !== (pass === undefined)) {
    throw new ModuleConfigError(`smtp: credentials ${SMTP_USER} and ${SMTP_PASSWORD} must be given together`);
  }
  const ca = config.tls_ca_file === undefined ? undefined : await readCa(ctx.resolvePath(config.tls_ca_file));
  const timeout = Math.round(config.timeout_seconds * 1000);
  return {
    host,
    port,
    secure: config.tls === 'implicit',
    // STARTTLS or nothing: never on to plain text when the server does not offer it or the upgrade fails.
    requireTLS: config.tls === 'starttls',
    // A plain relay is plain even when it offers STARTTLS: its certificate is rarely one we could verify.
    ignoreTLS: config.tls === 'plain_local_relay',
    opportunisticTLS: false,
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) },
    ...(user === undefined || pass === undefined ? {} : { auth: { user, pass } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  };
}

function portNumber(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) {
    throw new ModuleConfigError(`smtp: credential ${SMTP_PORT} must be a port number, 1 to 65535`);
  }
  return port;
}

/** The host to connect to; a plain relay only on this machine, given as a loopback address or `localhost`. */
function connectHost(text: string, tls: TlsMode): string {
  const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a host name holds no control character
  if (host === '' || /[\s\0-\x1f\x7f/@]/.test(host)) {
    throw new ModuleConfigError(`smtp: credential ${SMTP_HOST} must be a host name or an IP address`);
  }
  if (tls !== 'plain_local_relay') return host;
  // `localhost` is not looked up: a resolver could answer it with any address.
  if (host.toLowerCase() === 'localhost') return '127.0.0.1';
  if ((isIP(host) === 4 && host.startsWith('127.')) || (isIP(host) === 6 && isIpv6Loopback(host)))
    return host;
  throw new ModuleConfigError(
    `smtp: config tls: plain_local_relay sends without encryption, so credential ${SMTP_HOST} must be a loopback address (127.0.0.0/8, ::1 or localhost)`,
  );
}

function isIpv6Loopback(host: string): boolean {
  return /^(?:0{0,4}:){2,7}0{0,3}1$/i.test(host) || host === '::1';
}

async function readCa(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ModuleConfigError(`smtp: config tls_ca_file '${path}' cannot be read (${code})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ModuleConfigError(`smtp: config tls_ca_file '${path}' holds no PEM certificate`);
  }
  return pem;
}
