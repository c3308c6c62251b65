import type { z } from 'zod';
import { ModuleDefinitionError } from '../errors/errors.js';
import {
  type AnyToolDefinition,
  MODULE_BRAND,
  type ModuleInput,
  RAW_RESULT,
  type RawToolResult,
  type JsonValue,
  STRUCTURED_RESULT,
  type StructuredResult,
  type ScopedMcpModule,
  type ToolBuilder,
  type ToolDefinition,
} from './types.js';

export const MODULE_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
export const TOOL_KEY_PATTERN = /^[a-z][a-z0-9_]*$/;
export const COMMAND_WORD_PATTERN = /^[a-z][a-z0-9-]*$/;

/**
 * Declares a module package's default export. Validates names eagerly so mistakes fail at import.
 * `tools` may be a function of the module's tool builder (types `ctx.config` and `ctx.state`); it is called
 * here, once, so the module's `tools` is a plain object at run time either way.
 */
export function defineModule<ConfigSchema extends z.ZodType, State = undefined>(
  definition: ModuleInput<ConfigSchema, State>,
): ScopedMcpModule<ConfigSchema, State> {
  if (!MODULE_NAME_PATTERN.test(definition.name)) {
    throw new ModuleDefinitionError(
      `module name '${definition.name}' must be snake_case (${MODULE_NAME_PATTERN})`,
    );
  }
  if (definition.check !== undefined && typeof definition.check !== 'function') {
    throw new ModuleDefinitionError(`module '${definition.name}': check must be a function`);
  }
  const tools =
    typeof definition.tools === 'function' ? definition.tools(defineTool) : (definition.tools ?? {});
  for (const [key, tool] of Object.entries(tools)) {
    if (!TOOL_KEY_PATTERN.test(key)) {
      throw new ModuleDefinitionError(`module '${definition.name}': tool key '${key}' must be snake_case`);
    }
    if (tool.mode !== 'read' && tool.mode !== 'write') {
      throw new ModuleDefinitionError(
        `module '${definition.name}': tool '${key}' needs mode 'read' or 'write'`,
      );
    }
  }
  if (definition.secrets !== undefined && typeof definition.secrets !== 'function') {
    throw new ModuleDefinitionError(
      `module '${definition.name}': 'secrets' must be a function of the config returning the values to redact`,
    );
  }
  for (const [word, command] of Object.entries(definition.commands ?? {})) {
    if (!COMMAND_WORD_PATTERN.test(word)) {
      throw new ModuleDefinitionError(
        `module '${definition.name}': command '${word}' must be lower-case (${COMMAND_WORD_PATTERN})`,
      );
    }
    if (typeof command.run !== 'function') {
      throw new ModuleDefinitionError(`module '${definition.name}': command '${word}' needs run()`);
    }
  }
  if (definition.notifier !== undefined && typeof definition.notifier !== 'function') {
    throw new ModuleDefinitionError(`module '${definition.name}': notifier must be a function`);
  }
  return Object.freeze({ ...definition, tools, [MODULE_BRAND]: 1 as const });
}

/**
 * Declares one tool. Inside `defineModule`, `tools: (tool) => ({ … })` gives a `tool` with the module's
 * config and state types bound; a tool defined on its own types them by its handler's `ctx` annotation.
 */
export function defineTool<Input extends z.ZodType, Config = unknown, State = unknown>(
  definition: ToolDefinition<Input, Config, State>,
): ToolDefinition<Input, Config, State> {
  return definition;
}

/**
 * Binds a module's config and state types once, in a file of its own.
 * @deprecated Write `tools: (tool) => ({ … })` in `defineModule`; kept so existing modules still build.
 */
export function toolFactory<Config, State>(): ToolBuilder<Config, State> {
  return defineTool;
}

export function isScopedMcpModule(value: unknown): value is ScopedMcpModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[MODULE_BRAND] === 1 &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { tools?: unknown }).tools === 'object'
  );
}

/** Wraps an MCP CallToolResult so it reaches the client unchanged (content types, structuredContent, isError). */
export function rawResult(result: RawToolResult['result']): RawToolResult {
  return { [RAW_RESULT]: true, result };
}

export function isRawResult(value: unknown): value is RawToolResult {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RAW_RESULT] === true
  );
}

/** The value of a tool with an `output` schema, with the text people read instead of its JSON. */
export function structuredResult(value: JsonValue, text: string): StructuredResult {
  return { [STRUCTURED_RESULT]: true, value, text };
}

export function isStructuredResult(value: unknown): value is StructuredResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[STRUCTURED_RESULT] === true
  );
}

export type { AnyToolDefinition };
