import { z } from 'zod';
import { filterPatternProblem } from './filter-pattern.js';

// Custom messages everywhere a default could be unclear; none of them quotes the input (it may be a secret
// that `${VAR}` substitution put into the manifest).

export const RATE_SPEC_PATTERN = /^\d+\/(second|minute|hour)$/;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const HTTP_URL_PATTERN = /^https?:\/\/[^\s/?#]+/i;

export const rateSpec = z
  .string()
  .regex(RATE_SPEC_PATTERN, { error: "must be '<N>/second|minute|hour'" })
  .describe('A rate such as 60/minute: <N>/second, <N>/minute or <N>/hour.');

export const nonEmptyString = z.string().min(1, { error: 'must not be empty' });

/** Tool-name globs (`*`, `?`, `[seq]`), matched against exposed names such as `filesystem_write_file`. */
export const globList = z.array(nonEmptyString).default([]);

export const envName = z
  .string()
  .regex(ENV_NAME_PATTERN, { error: 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' });

export const httpUrl = z.string().regex(HTTP_URL_PATTERN, { error: 'must be an http:// or https:// URL' });

export const filterPattern = z
  .string()
  .superRefine((pattern, ctx) => {
    const problem = filterPatternProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A regular expression (JavaScript syntax; a leading Python-style (?i) is accepted).');

export const decodeSteps = z.array(z.enum(['base64', 'urlsafe_base64', 'url'])).default([]);
