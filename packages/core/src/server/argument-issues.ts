import type { z } from 'zod';

/** One line for the agent: which argument is wrong and how. zod's messages carry no input values. */
export function describeArgumentIssues(tool: string, error: z.ZodError): string {
  return `Invalid arguments for '${tool}': ${issuesLine(error)}`;
}

/** The first five issues of a zod error on one line, `path: message; …`, and how many more there are. */
export function issuesLine(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length > 5 ? ` (+${error.issues.length - 5} more)` : '';
  return `${parts.join('; ')}${more}`;
}
