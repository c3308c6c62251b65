import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'module-filesystem', include: ['src/**/*.test.ts'] } });
