export { addressRefusal, type AddressRefusal, hostRefusal } from './blocked-addresses.js';
export { type HttpProxyConfig, httpProxyConfig } from './config.js';
export type { HostLookup, ResolvedAddress, SocketConnector } from './guarded-agent.js';
export {
  createHttpProxyModule,
  default,
  type HttpProxyModuleOptions,
  type HttpProxyState,
} from './http-proxy-module.js';
