// Preloaded (`node --expose-gc --import`) into a measured server for the memory rows: on SIGUSR2 it runs a
// full GC and writes the live heap to $BENCH_HEAP_OUT, telling a leak apart from V8 merely keeping pages.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_HEAP_OUT;
if (out && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    const { heapUsed, external } = process.memoryUsage();
    writeFileSync(out, JSON.stringify({ heapUsedMiB: heapUsed / 1048576, externalMiB: external / 1048576 }));
  });
}
