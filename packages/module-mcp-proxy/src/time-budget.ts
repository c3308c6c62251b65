import { type Context, createContext, Script } from 'node:vm';

/** The work ran past its budget and was stopped where it was (nothing it did after that point happened). */
export class BudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`stopped after ${budgetMs} ms`);
    this.name = 'BudgetExceeded';
  }
}

let sandbox: { context: Context; script: Script } | undefined;

/**
 * Runs synchronous work and stops it after `budgetMs`, even inside one regular-expression match: node:vm's
 * `timeout` is a watchdog thread that terminates the running JavaScript, whichever context the function
 * was made in. It starts a thread per run (~0.2 ms), so callers use it only for work that may be slow.
 * Work stopped half-way may leave the objects it was changing half-changed: only give it work for which
 * that is harmless. Throws BudgetExceeded, or whatever the work threw.
 */
export function runWithin<T>(budgetMs: number, work: () => T): T {
  sandbox ??= { context: createContext({}), script: new Script('work()') };
  const { context, script } = sandbox;
  context.work = work;
  try {
    return script.runInContext(context, { timeout: budgetMs }) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new BudgetExceeded(budgetMs);
    }
    throw error;
  } finally {
    context.work = undefined;
  }
}
