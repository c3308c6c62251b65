import { type Context, createContext, Script } from 'node:vm';

/** The work's value, or `finished: false` when it ran past its budget and was stopped where it was. */
export type Outcome<T> = { readonly finished: true; readonly value: T } | { readonly finished: false };

let sandbox: { context: Context; script: Script } | undefined;

/**
 * Runs synchronous work and stops it after `budgetMs`, even inside one regular-expression match: node:vm's
 * `timeout` is a watchdog thread that terminates the running JavaScript, whichever context the function
 * was made in. It starts a thread per run (~0.2 ms), so callers use it only for work that may be slow.
 * Work stopped half-way may leave the objects it was changing half-changed: only give it work for which
 * that is harmless. Whatever the work throws is thrown.
 */
export function runWithin<T>(budgetMs: number, work: () => T): Outcome<T> {
  sandbox ??= { context: createContext({}), script: new Script('work()') };
  const { context, script } = sandbox;
  context.work = work;
  try {
    return { finished: true, value: script.runInContext(context, { timeout: budgetMs }) as T };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { finished: false };
    throw error;
  } finally {
    context.work = undefined;
  }
}
