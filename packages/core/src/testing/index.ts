export { captureLogger } from './capture-logger.js';
export { type ConformanceOptions, describeModuleConformance } from './conformance.js';
export {
  createModuleHarness,
  type HarnessOptions,
  type HarnessResult,
  type ModuleHarness,
} from './harness.js';
export { describeStateBackendContract } from './state-backend-contract.js';
