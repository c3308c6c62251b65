import { z } from '@scoped-mcp/core';
import { MAIL_ADDRESS_GRAMMAR, parseMailAddress } from './mail-address.js';

const MIB = 1024 * 1024;

// The issue names the field, never the value: manifest errors do not quote values (they may be secrets
// that ${VAR} substitution put there).
const mailAddress = z
  .string()
  .refine((text) => parseMailAddress(text) !== undefined, `must be ${MAIL_ADDRESS_GRAMMAR}`);

/** How the connection to the SMTP server is secured. */
export const TLS_MODES = ['starttls', 'implicit', 'plain_local_relay'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export const smtpConfig = z.strictObject({
  from_address: mailAddress.describe('The sender, in the envelope (MAIL FROM) and the From header.'),
  allowed_recipients: z
    .array(mailAddress)
    .min(1, "smtp module requires a non-empty 'allowed_recipients' list in config")
    .describe(
      'The only addresses the agent may write to; the domain is compared without regard to case, the local part exactly.',
    ),
  tls: z
    .enum(TLS_MODES)
    .default('starttls')
    .describe(
      'starttls (default): connect, then STARTTLS, which the server must offer; implicit: TLS from the first byte (port 465); plain_local_relay: no TLS, only to a loopback SMTP_HOST.',
    ),
  tls_ca_file: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PEM file of the CA certificate(s) to trust instead of the system's, for a server with a private CA. Relative to the manifest.",
    ),
  timeout_seconds: z
    .number()
    .positive()
    .max(600)
    .default(10)
    .describe('Longest wait to connect, for the greeting, and for each answer of the server (default 10).'),
  send_timeout_seconds: z
    .number()
    .positive()
    .max(3600)
    .default(60)
    .describe('Longest a whole send may take, from connecting to the accepted message (default 60).'),
  max_body_bytes: z
    .number()
    .int()
    .positive()
    .default(MIB)
    .describe('Largest body send accepts, in UTF-8 bytes (default 1 MiB).'),
});

export type SmtpConfig = z.output<typeof smtpConfig>;
