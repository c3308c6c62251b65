import { defineProject } from 'vitest/config';
import { maxWorkers } from '../../vitest.workers';

export default defineProject({
  test: { name: 'service-http', maxWorkers, include: ['src/**/*.test.ts'] },
});
