import { defineProject } from 'vitest/config';
import { maxWorkers } from '../../vitest.workers';

export default defineProject({
  test: { name: 'module-smtp', maxWorkers, include: ['src/**/*.test.ts'] },
});
