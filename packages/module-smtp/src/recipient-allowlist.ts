import { ScopeViolation } from '@scoped-mcp/core';
import { MAIL_ADDRESS_GRAMMAR, mailboxKey, parseMailAddress } from './mail-address.js';

/** The recipients one module instance may write to, matched as mailboxes. */
export interface RecipientAllowlist {
  /**
   * The allowed mailbox `to` names, its domain in lower case (as nodemailer would write it anyway in the
   * envelope and the To header). Throws ScopeViolation for anything else: another mailbox, or text that is not one
   * address of the grammar (mail-address.ts), checked before any connection is made.
   */
  recipient(to: string): string;
}

/** `entries` are the config's `allowed_recipients`, each already checked against the grammar. */
export function recipientAllowlist(entries: readonly string[]): RecipientAllowlist {
  const allowed = new Set<string>();
  for (const entry of entries) {
    const address = parseMailAddress(entry);
    if (!address)
      throw new TypeError('allowed_recipients holds an entry the config schema should have refused');
    allowed.add(mailboxKey(address));
  }
  return {
    recipient(to) {
      const address = parseMailAddress(to);
      if (!address) {
        throw new ScopeViolation(
          `Recipient ${shown(to)} is not in the allowed_recipients list: give ${MAIL_ADDRESS_GRAMMAR}`,
        );
      }
      const mailbox = mailboxKey(address);
      if (!allowed.has(mailbox)) {
        throw new ScopeViolation(`Recipient '${to}' is not in the allowed_recipients list`);
      }
      return mailbox;
    },
  };
}

const SHOWN_MAX = 120;

/**
 * The agent's text quoted on one line: control characters, quotes and every non-ASCII character escaped
 * (`\r`, `\u0430`), so a line break cannot split the message and a look-alike shows what it is.
 */
function shown(text: string): string {
  const cut = text.slice(0, SHOWN_MAX);
  const escaped = cut.replace(/[^\x20-\x7e]|['\\]/g, (char) => {
    if (char === '\r') return '\\r';
    if (char === '\n') return '\\n';
    if (char === '\t') return '\\t';
    if (char === "'" || char === '\\') return `\\${char}`;
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${escaped}${cut.length < text.length ? '…' : ''}'`;
}
