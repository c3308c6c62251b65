// The one grammar of a mail address this module accepts, for the agent's `to` and the operator's
// `from_address` and `allowed_recipients` alike: a bare addr-spec in printable ASCII, nothing a mail
// parser could read as a second address, a name, a comment, a route or an encoded word.
//
//   address = local "@" domain                    at most 254 characters
//   local   = word *("." word)                    at most 64 characters
//   word    = 1*( ALPHA / DIGIT / "#" / "$" / "&" / "'" / "*" / "+" / "-" / "/" / "=" / "?"
//                 / "^" / "_" / "`" / "{" / "|" / "}" / "~" )      and no "=?" (an encoded word)
//   domain  = label *("." label)                  at most 253 characters, no trailing dot
//   label   = ALPHA / DIGIT, then up to 62 of ALPHA / DIGIT / "-", not ending with "-"
//             (the last label not all digits: no IP address in disguise)
//
// RFC 5322's atext without "!" and "%", which route mail on through the named server (bang paths, the
// percent hack). Left out altogether: quoted local parts, display names, `<…>`, comments, groups, lists,
// whitespace, IP literals (`[…]`), source routes (`@a:b@c`), and every non-ASCII character, so a Unicode
// look-alike is never an address; internationalised domains are written in their `xn--` form.

/** An address of the grammar above, split. */
export interface MailAddress {
  /** As written; compared exactly (RFC 5321 leaves the local part's case to the receiving server). */
  readonly local: string;
  /** As written; compared without regard to case, as DNS names are. */
  readonly domain: string;
}

const MAX_ADDRESS = 254;
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const WORD = "[A-Za-z0-9#$&'*+\\-/=?^_`{|}~]+";
const LOCAL = new RegExp(`^${WORD}(?:\\.${WORD})*$`);
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The address split into its parts, or undefined when the text is anything but one address of the grammar. */
export function parseMailAddress(text: string): MailAddress | undefined {
  if (text.length > MAX_ADDRESS) return undefined;
  const at = text.indexOf('@');
  if (at < 1 || at !== text.lastIndexOf('@')) return undefined;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (local.length > MAX_LOCAL || !LOCAL.test(local) || local.includes('=?')) return undefined;
  if (domain.length === 0 || domain.length > MAX_DOMAIN) return undefined;
  const labels = domain.split('.');
  if (!labels.every((label) => LABEL.test(label))) return undefined;
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  return { local, domain };
}

/** The form two addresses share when they name the same mailbox: the local part as is, the domain in lower case. */
export function mailboxKey(address: MailAddress): string {
  return `${address.local}@${address.domain.toLowerCase()}`;
}

/** How the grammar is described to people, in config errors and tool descriptions. */
export const MAIL_ADDRESS_GRAMMAR =
  'one plain address, local@domain, in ASCII: no display name, <brackets>, comment, list, quotes, "%" or "!" routing, or IP literal';
