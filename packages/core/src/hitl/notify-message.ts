/** What every notifier is given. Only the sanitised summary of the arguments, never their raw values. */
export interface HitlNotification {
  readonly approval_id: string;
  readonly tool: string;
  readonly agent_id: string;
  readonly agent_type: string;
  readonly arguments_summary: unknown;
  readonly timeout_seconds: number;
  /** The human text (formatApprovalMessage). */
  readonly message: string;
}

/**
 * The reference's notification text. Argument names and values come from the agent, so each is written
 * as JSON on one line (strings quoted) with line breaks and bidirectional-text controls escaped: an
 * argument cannot forge an extra "Approve:" line, or reorder what the operator reads.
 */
export function formatApprovalMessage(n: Omit<HitlNotification, 'message'>): string {
  const args = argumentLines(n.arguments_summary);
  return [
    '[scoped-mcp] Approval required',
    `Agent: ${n.agent_id} (${n.agent_type})`,
    `Tool: ${n.tool}`,
    'Args:',
    ...(args.length > 0 ? args : ['  (none)']),
    `Approval ID: ${n.approval_id}`,
    `Timeout: ${n.timeout_seconds}s`,
    '',
    `Approve: scoped-mcp hitl approve ${n.approval_id}`,
    `Reject:  scoped-mcp hitl reject ${n.approval_id}`,
  ].join('\n');
}

function argumentLines(summary: unknown): string[] {
  if (summary === null || summary === undefined) return [];
  if (typeof summary !== 'object' || Array.isArray(summary)) return [`  ${oneLine(summary)}`];
  return Object.entries(summary as Record<string, unknown>).map(
    ([key, value]) => `  ${safeKey(key)}: ${oneLine(value)}`,
  );
}

function safeKey(key: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? key : oneLine(key);
}

function oneLine(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = '"<unserializable>"';
  }
  return escapeInvisible(text);
}

/** JSON already escapes C0 controls; these survive it and can still break or reorder a line on screen. */
function escapeInvisible(text: string): string {
  return text.replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}
