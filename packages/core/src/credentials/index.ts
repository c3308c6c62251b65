export { type CredentialRequest, type ResolvedCredentials, resolveCredentials } from './resolve.js';
export {
  type CredentialSource,
  credentialSourceFromMap,
  envCredentialSource,
  type FileSourceOptions,
  type MapSourceOptions,
  type OpenCredentialSourceOptions,
  openCredentialSource,
  openFileCredentialSource,
} from './sources.js';
