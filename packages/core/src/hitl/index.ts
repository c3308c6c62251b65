export { APPROVAL_ID_PATTERN, approvalAgent, newApprovalId } from './approval-id.js';
export { type PendingApproval, TOKEN_TTL_SECONDS } from './approval-record.js';
export { ARGS_HASH_PATTERN, argsHash, canonicalJson } from './args-hash.js';
export { createNotifier } from './create-notifier.js';
export { HitlApprovalRequired, HitlRejected } from './hitl-errors.js';
export type { Notifier, NotifierDeps, NotifierSetup } from './notifier.js';
export { formatApprovalMessage, type HitlNotification } from './notify-message.js';
export {
  approvePending,
  cleanReason,
  type DecisionResult,
  listPendingApprovals,
  MAX_REASON_LENGTH,
  type OperatorOptions,
  type PendingEntry,
  rejectPending,
} from './operator.js';
