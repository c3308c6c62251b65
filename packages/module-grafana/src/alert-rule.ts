import { type JsonValue, ScopeViolation, ToolInputError, z } from '@scoped-mcp/core';

/**
 * Keys that would place a rule elsewhere: the folder, the rule group, the organisation, or an existing
 * rule's identity. The module sets the first three itself; an agent that names them is refused rather
 * than silently overridden, so it learns where its rule goes.
 */
const PLACEMENT_KEYS = new Set([
  'folderUID',
  'folderUid',
  'folder_uid',
  'ruleGroup',
  'rule_group',
  'orgID',
  'orgId',
  'org_id',
  'uid',
  'id',
]);

/** Datasource uids of Grafana's server-side expressions (math, reduce, threshold): no datasource is read. */
const EXPRESSION_UIDS = new Set(['__expr__', '-100']);

const query = z.looseObject({
  refId: z.string().min(1).max(64),
  datasourceUid: z.string().min(1).max(64),
});

/** What the agent may put in `condition` (the reference read `data` and `for`). */
export const alertCondition = z
  .record(z.string(), z.unknown())
  .describe(
    "The rule's definition: data (the queries and expressions, Grafana's alert query objects, each with refId and datasourceUid; the rule's condition is refId 'C'), for (how long the condition must hold, default '5m'), and optional labels and annotations (string maps). Folder, rule group and organisation are set by the proxy.",
  );

const conditionShape = z.strictObject({
  data: z.array(query).max(50).default([]),
  for: z
    .string()
    .regex(/^(\d{1,6}(ms|s|m|h|d|w|y))+$/, "a duration such as '5m' or '1h30m'")
    .max(32)
    .default('5m'),
  labels: z.record(z.string().max(256), z.string().max(1024)).optional(),
  annotations: z.record(z.string().max(256), z.string().max(4096)).optional(),
});

export interface AlertRulePlacement {
  readonly folderUid: string;
  readonly ruleGroup: string;
  readonly folderTitle: string;
}

interface AlertQuery {
  readonly refId: string;
  readonly datasourceUid: string;
}

/** Refuses what the agent may not set and keys it cannot mean; returns the parsed condition. */
export function parseCondition(
  condition: Readonly<Record<string, unknown>>,
  placement: Omit<AlertRulePlacement, 'folderUid'>,
) {
  for (const key of Object.keys(condition)) {
    if (PLACEMENT_KEYS.has(key)) {
      throw new ScopeViolation(
        `condition.${key} cannot be set: the rule always goes to the agent folder '${placement.folderTitle}', rule group '${placement.ruleGroup}'`,
      );
    }
  }
  const parsed = conditionShape.safeParse(condition);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `condition.${issue.path.join('.')}` : 'condition';
    const keys =
      issue?.code === 'unrecognized_keys'
        ? ` (${issue.keys.join(', ')}; allowed: data, for, labels, annotations)`
        : '';
    throw new ToolInputError(`${where}: ${issue?.message ?? 'invalid'}${keys}`);
  }
  return parsed.data;
}

/** The queries that read a datasource (not server-side expressions). */
export function datasourceReads(data: readonly AlertQuery[]): AlertQuery[] {
  return data.filter((item) => !EXPRESSION_UIDS.has(item.datasourceUid));
}

/** Each query reads an allowlisted datasource or is a server-side expression. */
export function checkRuleDatasources(data: readonly AlertQuery[], allowedUids: ReadonlySet<string>): void {
  for (const item of datasourceReads(data)) {
    if (allowedUids.has(item.datasourceUid)) continue;
    throw new ScopeViolation(
      `alert query '${item.refId}' reads datasource uid '${item.datasourceUid}', which is not an allowed datasource for this agent (config allowed_datasources)`,
    );
  }
}

/** The rule as the provisioning API takes it, placed in the agent's folder and rule group. */
export function alertRuleBody(
  name: string,
  condition: ReturnType<typeof parseCondition>,
  placement: AlertRulePlacement,
): JsonValue {
  return {
    title: name,
    condition: 'C',
    data: condition.data as JsonValue,
    folderUID: placement.folderUid,
    ruleGroup: placement.ruleGroup,
    noDataState: 'NoData',
    execErrState: 'Error',
    for: condition.for,
    ...(condition.labels ? { labels: condition.labels } : {}),
    ...(condition.annotations ? { annotations: condition.annotations } : {}),
  };
}
