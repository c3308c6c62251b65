import { defineModule, LimitExceededError, ModuleConfigError, ToolInputError, z } from '@scoped-mcp/core';
import { smtpConfig } from './config.js';
import { MAIL_ADDRESS_GRAMMAR } from './mail-address.js';
import { type RecipientAllowlist, recipientAllowlist } from './recipient-allowlist.js';
import { smtpFailure } from './smtp-failure.js';
import { createSmtpTransport, type SmtpTransport, smtpCredentials } from './smtp-transport.js';

export interface SmtpState {
  readonly transport: SmtpTransport;
  readonly recipients: RecipientAllowlist;
}

/** RFC 5322's limit of a header line, a bound for the subject before nodemailer encodes and folds it. */
const MAX_SUBJECT = 998;
// Any C0 control but TAB, and DEL: a CR or LF would end the Subject header and start another.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const SUBJECT_CONTROL = /[\0-\x08\x0a-\x1f\x7f]/;

export default defineModule({
  name: 'smtp',
  description:
    'Plain-text e-mail to the addresses of an allowlist, over TLS. The agent chooses one recipient of the list, the subject and the body; never the sender, the server, other recipients or headers.',
  config: smtpConfig,
  credentials: smtpCredentials,
  async setup(ctx): Promise<SmtpState> {
    // A body is carried in one message, so a cap no message can reach promises a send that never arrives.
    const messageBytes = ctx.limits.max_message_bytes;
    if (ctx.config.max_body_bytes >= messageBytes) {
      throw new ModuleConfigError(
        `smtp: config max_body_bytes (${ctx.config.max_body_bytes}) must be smaller than limits.max_message_bytes (${messageBytes}), the largest message a send call can arrive in`,
      );
    }
    return {
      recipients: recipientAllowlist(ctx.config.allowed_recipients),
      transport: await createSmtpTransport(ctx),
    };
  },
  async teardown(state) {
    await state.transport.close();
  },
  tools: (tool) => ({
    send: tool({
      mode: 'write',
      title: 'Send an e-mail',
      description: `Send a plain-text e-mail to one address of the configured allowlist and return true once the SMTP server has accepted it. 'to' is ${MAIL_ADDRESS_GRAMMAR}. The subject is one line; the body is plain text (no HTML, no attachments).`,
      input: z.strictObject({
        to: z.string().max(1000).describe('One recipient from the allowed list, e.g. ops@example.com.'),
        subject: z.string().max(MAX_SUBJECT).describe('One line, no line breaks.'),
        body: z.string().describe('Plain text.'),
      }),
      output: z.literal(true),
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
      async handler({ to, subject, body }, ctx) {
        // Every check before any connection: a refused call never reaches the server.
        const recipient = ctx.state.recipients.recipient(to);
        if (SUBJECT_CONTROL.test(subject)) {
          throw new ToolInputError(
            'subject must be one line: line breaks (CR, LF) and other control characters are refused',
          );
        }
        const bodyBytes = Buffer.byteLength(body, 'utf8');
        const maxBody = ctx.config.max_body_bytes;
        if (bodyBytes > maxBody) {
          throw new LimitExceededError(`body is ${bodyBytes} bytes; send accepts at most ${maxBody}`, {
            name: 'max_body_bytes',
            value: maxBody,
          });
        }
        const deadline = AbortSignal.timeout(Math.round(ctx.config.send_timeout_seconds * 1000));
        try {
          await ctx.state.transport.send({
            from: ctx.config.from_address,
            to: recipient,
            subject,
            text: body,
            signal: AbortSignal.any([ctx.signal, deadline]),
          });
        } catch (error) {
          throw smtpFailure(error, {
            deadlinePassed: deadline.aborted,
            timeoutSeconds: ctx.config.timeout_seconds,
            sendTimeoutSeconds: ctx.config.send_timeout_seconds,
          });
        }
        return true;
      },
    }),
  }),
});
