import { defineProject } from 'vitest/config';
import { maxWorkers } from '../../vitest.workers';

export default defineProject({ test: { name: 'state-redis', maxWorkers, include: ['src/**/*.test.ts'] } });
