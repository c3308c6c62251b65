export { default, type SmtpState } from './smtp-module.js';
export { type SmtpConfig, smtpConfig, TLS_MODES, type TlsMode } from './config.js';
export { type MailAddress, parseMailAddress } from './mail-address.js';
