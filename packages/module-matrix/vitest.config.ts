import { defineProject } from 'vitest/config';
import { maxWorkers } from '../../vitest.workers';

export default defineProject({
  test: { name: 'module-matrix', maxWorkers, include: ['src/**/*.test.ts'] },
});
