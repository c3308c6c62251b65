import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'module-sqlite', include: ['src/**/*.test.ts'] } });
