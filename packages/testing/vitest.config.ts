import { defineProject } from 'vitest/config';
import { maxWorkers } from '../../vitest.workers';

export default defineProject({ test: { name: 'testing', maxWorkers, include: ['src/**/*.test.ts'] } });
