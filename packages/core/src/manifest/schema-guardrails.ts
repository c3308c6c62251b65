import { z } from 'zod';
import { decodeSteps, filterPattern, nonEmptyString, rateSpec } from './schema-shared.js';

export const rateLimitsSchema = z.strictObject({
  global: rateSpec.nullish().describe('Limit over all tools together.'),
  per_tool: z
    .record(nonEmptyString, rateSpec)
    .default({})
    .describe('Tool-name glob → rate; the first matching pattern applies, and its tools share one window.'),
});

export const argumentFilterSchema = z.strictObject({
  name: nonEmptyString,
  pattern: filterPattern,
  fields: z
    .array(nonEmptyString)
    .min(1, { error: "must not be empty (use ['*'] for every argument)" })
    .default(['*'])
    .describe("Top-level argument names to inspect; '*' = all string arguments."),
  action: z.enum(['block', 'warn']).default('block'),
  decode: decodeSteps,
  case_insensitive: z.boolean().default(false),
});

export const responseFilterSchema = z.strictObject({
  name: nonEmptyString,
  pattern: filterPattern,
  action: z.enum(['block', 'warn', 'redact']).default('warn'),
  decode: decodeSteps,
  case_insensitive: z.boolean().default(false),
});

/** Rule names identify a rule in audit lines, so two rules of one list may not share one. */
export function uniqueRuleNames<T extends { readonly name: string }>(rules: z.ZodType<T[]>) {
  return rules.superRefine((list, ctx) => {
    const first = new Map<string, number>();
    list.forEach((rule, index) => {
      const earlier = first.get(rule.name);
      if (earlier === undefined) first.set(rule.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate rule name (also used by rule ${earlier})`,
        });
    });
  });
}

export const argumentFiltersSchema = uniqueRuleNames(z.array(argumentFilterSchema));
export const responseFiltersSchema = uniqueRuleNames(z.array(responseFilterSchema));
