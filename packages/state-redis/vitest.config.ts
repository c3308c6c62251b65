import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'state-redis', include: ['src/**/*.test.ts'] } });
