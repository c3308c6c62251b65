import type { z } from 'zod';
import { ModuleDefinitionError } from '../errors/errors.js';
import {
  type AnyToolDefinition,
  MODULE_BRAND,
  type ModuleDefinition,
  RAW_RESULT,
  type RawToolResult,
  type JsonValue,
  STRUCTURED_RESULT,
  type StructuredResult,
  type ScopedMcpModule,
  type ToolDefinition,
} from './types.js';

export const MODULE_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
export const TOOL_KEY_PATTERN = /^[a-z][a-z0-9_]*$/;
export const COMMAND_WORD_PATTERN = /^[a-z][a-z0-9-]*$/;

/** Declares a module package's default export. Validates names eagerly so mistakes fail at import. */
export function defineModule<ConfigSchema extends z.ZodType, State = undefined>(
  definition: ModuleDefinition<ConfigSchema, State>,
): ScopedMcpModule<ConfigSchema, State> {
  if (!MODULE_NAME_PATTERN.test(definition.name)) {
    throw new ModuleDefinitionError(
      `module name '${definition.name}' must be snake_case (${MODULE_NAME_PATTERN})`,
    );
  }
  for (const [key, tool] of Object.entries(definition.tools)) {
    if (!TOOL_KEY_PATTERN.test(key)) {
      throw new ModuleDefinitionError(`module '${definition.name}': tool key '${key}' must be snake_case`);
    }
    if (tool.mode !== 'read' && tool.mode !== 'write') {
      throw new ModuleDefinitionError(
        `module '${definition.name}': tool '${key}' needs mode 'read' or 'write'`,
      );
    }
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
  return Object.freeze({ ...definition, [MODULE_BRAND]: 1 as const });
}

/** Declares one tool. Use `toolFactory<Config, State>()` when the handler needs typed config or state. */
export function defineTool<Input extends z.ZodType, Config = unknown, State = unknown>(
  definition: ToolDefinition<Input, Config, State>,
): ToolDefinition<Input, Config, State> {
  return definition;
}

/** Binds a module's config and state types once, so each tool's argument type is still inferred. */
export function toolFactory<Config, State>(): <Input extends z.ZodType>(
  definition: ToolDefinition<Input, Config, State>,
) => ToolDefinition<Input, Config, State> {
  return (definition) => definition;
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
