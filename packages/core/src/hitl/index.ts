export {
  APPROVAL_ID_PATTERN,
  approvalAgent,
  newApprovalId,
  type PendingApproval,
  TOKEN_TTL_SECONDS,
  ARGS_HASH_PATTERN,
  argsHash,
  HitlApprovalRequired,
  HitlRejected,
} from './approvals.js';
export {
  createNotifier,
  type Notifier,
  type NotifierDeps,
  type NotifierSetup,
  formatApprovalMessage,
  type HitlNotification,
} from './notify.js';
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
