export {
  APPROVAL_ID_PATTERN,
  ARGS_HASH_PATTERN,
  approvalAgent,
  argsHash,
  newApprovalId,
  type PendingApproval,
  TOKEN_TTL_SECONDS,
} from './approvals.js';
export {
  createNotifier,
  formatApprovalMessage,
  type HitlNotification,
  type Notifier,
  type NotifierDeps,
  type NotifierSetup,
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
