// A real SMTP server (the `smtp-server` package) on loopback, recording everything a client did: each
// connection, each login attempt, every MAIL FROM and RCPT TO (also those of envelopes it refused) and
// every message as received. "Never reached the server" in a test means these lists stayed empty.
import { readFileSync } from 'node:fs';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

const tlsDir = new URL('./tls/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(name, tlsDir), 'utf8');

/** PEM of the CA that signed the test certificates; the path for `tls_ca_file`. */
export const TEST_CA_FILE = new URL('ca.pem', tlsDir).pathname;

export interface FakeSmtpOptions {
  /** starttls (default): STARTTLS offered, AUTH only after it; none: no TLS at all; implicit: TLS from the first byte. */
  readonly tls?: 'starttls' | 'none' | 'implicit';
  /** Which certificate the server presents: one for localhost/127.0.0.1 (default), or one for mail.example.test. */
  readonly certificate?: 'localhost' | 'wrong-host';
  /** The login the server accepts (AUTH PLAIN or LOGIN); without it, no AUTH is offered. */
  readonly login?: { readonly user: string; readonly password: string };
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Refuse every recipient with this reply. */
  readonly refuseRecipients?: { readonly code: number; readonly message: string };
}

export interface RecordedLogin {
  readonly method: string;
  readonly user: string | undefined;
  readonly password: string | null | undefined;
  readonly secure: boolean;
  readonly accepted: boolean;
}

export interface RecordedMessage {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  /** The message as the server received it, after DATA (dot-unstuffed). */
  readonly raw: string;
  readonly secure: boolean;
  readonly user: unknown;
}

export interface FakeSmtpServer {
  readonly host: string;
  readonly port: number;
  /** Connections the server accepted. */
  readonly connections: number;
  readonly logins: readonly RecordedLogin[];
  readonly mailFrom: readonly string[];
  readonly rcptTo: readonly string[];
  readonly messages: readonly RecordedMessage[];
  close(): Promise<void>;
}

export async function startSmtpServer(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const mode = options.tls ?? 'starttls';
  const certificate = options.certificate ?? 'localhost';
  const logins: RecordedLogin[] = [];
  const mailFrom: string[] = [];
  const rcptTo: string[] = [];
  const messages: RecordedMessage[] = [];
  let connections = 0;
  const settings: SMTPServerOptions = {
    secure: mode === 'implicit',
    key: pem(`${certificate}-key.pem`),
    cert: pem(`${certificate}.pem`),
    logger: false,
    disableReverseLookup: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: options.login === undefined,
    // As real servers do: a password only over TLS, unless there is no TLS at all.
    allowInsecureAuth: mode === 'none',
    disabledCommands: [...(mode === 'none' ? ['STARTTLS'] : []), ...(options.login ? [] : ['AUTH'])],
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onAuth(auth, session, callback) {
      const accepted =
        options.login !== undefined &&
        auth.username === options.login.user &&
        auth.password === options.login.password;
      logins.push({
        method: auth.method,
        user: auth.username,
        password: auth.password,
        secure: session.secure,
        accepted,
      });
      if (accepted) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onMailFrom(address, _session, callback) {
      mailFrom.push(address.address);
      callback();
    },
    onRcptTo(address, _session, callback) {
      rcptTo.push(address.address);
      const refusal = options.refuseRecipients;
      if (refusal) callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelopeFrom = session.envelope.mailFrom;
        messages.push({
          mailFrom: envelopeFrom === false ? '' : envelopeFrom.address,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(settings);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('SMTP server has no port');
  return {
    host,
    port: address.port,
    get connections() {
      return connections;
    },
    logins,
    mailFrom,
    rcptTo,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
