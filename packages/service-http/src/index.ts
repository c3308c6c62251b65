export {
  headerRetryAfter,
  jsonObject,
  parseRetryAfter,
  quotedLine,
  responseError,
} from './service-answer.js';
export {
  createServiceClient,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type ServiceClient,
  type ServiceClientOptions,
  type ServiceMethod,
  type ServiceRequest,
  type ServiceResponse,
  type ServiceTimeout,
  sendTimeoutSetting,
  type TimeoutSettingOptions,
  timeoutSetting,
} from './service-client.js';
export {
  checkServiceUrl,
  checkWebhookUrl,
  isLoopbackHost,
  joinUrl,
  type ServiceUrlRule,
  secureOrLoopback,
} from './service-url.js';
