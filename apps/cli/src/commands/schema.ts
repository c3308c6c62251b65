import { manifestJsonSchema } from '@scoped-mcp/core/runtime';
import { out } from '../output.js';

export function schemaCommand(): number {
  out(JSON.stringify(manifestJsonSchema(), null, 2));
  return 0;
}
