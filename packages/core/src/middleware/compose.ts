import type { CallHandler, Middleware, ToolCall } from './types.js';

/**
 * Builds one closure per tool at startup: middleware[0] is the outermost. `next` may run once per call;
 * a second call is a programming error in the middleware and is refused rather than running the tool twice.
 */
export function composeMiddleware(middleware: readonly Middleware[], handler: CallHandler): CallHandler {
  return middleware.reduceRight<CallHandler>((inner, layer) => {
    return (call: ToolCall) => {
      let called = false;
      return layer(call, () => {
        if (called) return Promise.reject(new Error('middleware called next() twice'));
        called = true;
        return inner(call);
      });
    };
  }, handler);
}
