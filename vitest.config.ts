import { defineConfig } from 'vitest/config';
import { maxWorkers } from './vitest.workers';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    maxWorkers,
    reporters: process.env.CI_JSON_REPORT
      ? ['default', ['json', { outputFile: process.env.CI_JSON_REPORT }]]
      : ['default'],
  },
});
