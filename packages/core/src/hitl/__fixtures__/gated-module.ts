import { z } from 'zod';
import { defineModule, defineTool } from '../../module/define.js';

/** A module whose handlers only record that they ran: the HITL tests assert exactly when that happens. */
export function gatedModule(calls: string[]) {
  return defineModule({
    name: 'ops',
    description: 'HITL test module',
    config: z.strictObject({}),
    tools: {
      write_file: defineTool({
        mode: 'write',
        description: 'write',
        input: z.strictObject({
          path: z.string(),
          text: z.string().default(''),
          password: z.string().optional(),
        }),
        handler: (args) => {
          calls.push(`write_file ${args.path}`);
          return `wrote ${args.path}`;
        },
      }),
      write_data: defineTool({
        mode: 'write',
        description: 'write free-form data',
        input: z.strictObject({ data: z.unknown() }),
        handler: () => {
          calls.push('write_data');
          return 'wrote data';
        },
      }),
      read_file: defineTool({
        mode: 'read',
        description: 'read',
        input: z.strictObject({ path: z.string() }),
        handler: (args) => {
          calls.push(`read_file ${args.path}`);
          return `read ${args.path}`;
        },
      }),
      drop_table: defineTool({
        mode: 'write',
        description: 'drop',
        input: z.strictObject({ name: z.string(), password: z.string().optional() }),
        handler: (args) => {
          calls.push(`drop_table ${args.name}`);
          return 'dropped';
        },
      }),
    },
  });
}

export const GATED_TOOL_NAMES = [
  'ops_write_file',
  'ops_write_data',
  'ops_read_file',
  'ops_drop_table',
] as const;
