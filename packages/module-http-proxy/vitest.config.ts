import { defineProject } from 'vitest/config';
import { maxWorkers } from '../../vitest.workers';

export default defineProject({
  test: { name: 'module-http-proxy', maxWorkers, include: ['src/**/*.test.ts'] },
});
