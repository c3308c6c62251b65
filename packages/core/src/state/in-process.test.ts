import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeStateBackendContract } from '@scoped-mcp/testing';
import { inProcessState } from './in-process.js';

describeStateBackendContract('in_process', async () => inProcessState());

describe('inProcessState', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is not shared', () => {
    const state = inProcessState();
    expect(state).toMatchObject({ kind: 'in_process', shared: false });
    void state.close();
  });

  it('measures windows on the given monotonic clock, so wall-clock jumps change nothing', async () => {
    let t = 1000;
    const state = inProcessState({ now: () => t });
    await state.slidingWindowHit('w', 1, 1000);
    vi.setSystemTime(new Date('2001-01-01'));
    expect((await state.slidingWindowHit('w', 1, 1000)).allowed).toBe(false);
    t = 1999;
    expect(await state.slidingWindowHit('w', 1, 1000)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    t = 2000; // (now - window, now]: the hit at 1000 has left
    expect((await state.slidingWindowHit('w', 1, 1000)).allowed).toBe(true);
    await state.close();
  });

  it('retryAfterMs names the hit whose departure frees a slot', async () => {
    let t = 0;
    const state = inProcessState({ now: () => t });
    for (const at of [0, 100, 200]) {
      t = at;
      await state.slidingWindowHit('w', 3, 1000);
    }
    t = 250;
    expect(await state.slidingWindowHit('w', 3, 1000)).toEqual({
      allowed: false,
      count: 3,
      retryAfterMs: 750,
    });
    await state.close();
  });

  it('keeps counting exactly across compaction of a long-lived window', async () => {
    let t = 0;
    const state = inProcessState({ now: () => t });
    for (let i = 0; i < 20_000; i++) {
      t = i;
      // Hits every 1 ms in a 10 ms window: (i-10, i] holds at most 10 hits, this one included.
      expect((await state.slidingWindowHit('w', 10, 10)).count).toBe(Math.min(i + 1, 10));
    }
    t = 20_000 - 1;
    expect((await state.slidingWindowHit('w', 10, 10)).allowed).toBe(false);
    await state.close();
  });

  it("runs its sweep on an unref'd timer and stops it on close", async () => {
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    const state = inProcessState();
    const timer = setSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await state.close();
    expect(clearSpy).toHaveBeenCalledWith(timer);
    setSpy.mockRestore();
    clearSpy.mockRestore();
  });

  it('sweeps expired entries', async () => {
    vi.useFakeTimers();
    let t = 0;
    const state = inProcessState({ now: () => t });
    await state.set('v', 'x', 10);
    await state.slidingWindowHit('w', 1, 10);
    t = 100;
    vi.advanceTimersByTime(30_000);
    expect(await state.keys('*')).toEqual([]);
    await state.close();
  });

  it('refuses to mix a value and a window on one key', async () => {
    const state = inProcessState();
    await state.set('k', 'v', 1000);
    await expect(state.slidingWindowHit('k', 1, 1000)).rejects.toThrow(TypeError);
    await state.slidingWindowHit('w', 1, 1000);
    await expect(state.get('w')).rejects.toThrow(TypeError);
    await state.close();
  });
});
