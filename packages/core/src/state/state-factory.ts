import {
  STATE_BACKEND_FACTORY_BRAND,
  type StateBackendFactory,
  type StateBackendFactoryDefinition,
} from './types.js';

/**
 * Declares a state backend package's default export. A plain object branded with Symbol.for, not a class:
 * the package may come with its own copy of core, and `instanceof` would break across copies.
 */
export function defineStateBackendFactory(definition: StateBackendFactoryDefinition): StateBackendFactory {
  if (typeof definition.create !== 'function') throw new Error('a state backend factory needs create()');
  return Object.freeze({ ...definition, [STATE_BACKEND_FACTORY_BRAND]: 1 as const });
}

export function isStateBackendFactory(value: unknown): value is StateBackendFactory {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[STATE_BACKEND_FACTORY_BRAND] === 1 &&
    typeof (value as { create?: unknown }).create === 'function' &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}
