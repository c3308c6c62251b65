export {
  envCredentialSource,
  type FileSourceOptions,
  openFileCredentialSource,
  credentialSourceFromMap,
  type MapSourceOptions,
  type OpenCredentialSourceOptions,
  openCredentialSource,
  type CredentialRequest,
  type CredentialSource,
  type ResolvedCredentials,
} from './sources.js';
export { resolveCredentials } from './resolve.js';
