export {
  ARGS_HASH_PATTERN,
  argsHash,
  argumentsReviewable,
  type CredentialRedactor,
  canonicalHash,
  escapeInvisible,
  oneLineArguments,
  prettyArguments,
  type RecordedArguments,
  recordedArguments,
} from './approval-arguments.js';
export {
  APPROVAL_ID_PATTERN,
  approvalAgent,
  newApprovalId,
  type PendingApproval,
  TOKEN_TTL_SECONDS,
} from './approvals.js';
export {
  CORE_NOTIFIER_TYPES,
  createNotifier,
  formatApprovalMessage,
  type HitlNotification,
  logNotifier,
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
  operatorCommand,
  type PendingEntry,
  rejectPending,
  type ShowResult,
  showPending,
} from './operator.js';
