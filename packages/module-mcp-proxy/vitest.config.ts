import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'module-mcp-proxy', include: ['src/**/*.test.ts'] } });
