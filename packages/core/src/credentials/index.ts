export { envCredentialSource } from './env-source.js';
export { type FileSourceOptions, openFileCredentialSource } from './file-source.js';
export { credentialSourceFromMap, type MapSourceOptions } from './map-source.js';
export { type OpenCredentialSourceOptions, openCredentialSource } from './open-credential-source.js';
export { resolveCredentials } from './resolve-credentials.js';
export type { CredentialRequest, CredentialSource, ResolvedCredentials } from './types.js';
