export { captureLogger } from './capture-logger.js';
export {
  type ConformanceCheck,
  type ConformanceOptions,
  conformanceChecks,
  describeModuleConformance,
} from './conformance.js';
export {
  type ConnectOptions,
  connectInMemory,
  type InMemoryConnection,
  type InMemoryTarget,
  type ManifestTarget,
} from './connect-in-memory.js';
export {
  checkModule,
  createHarness,
  createModuleHarness,
  type HarnessCallOptions,
  type HarnessOptions,
  type HarnessResult,
  harnessResult,
  type ModuleHarness,
  moduleInstance,
  type RuntimeHarnessOptions,
} from './harness.js';
export { describeStateBackendContract } from './state-backend-contract.js';
