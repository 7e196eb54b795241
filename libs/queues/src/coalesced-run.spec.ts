import { CoalescedRun, RunsStoppedError } from './coalesced-run';

/** A run the test finishes by hand, to see what requests made meanwhile join. */
function manualRuns() {
  const started: { finish: (value: number) => void; fail: (error: Error) => void }[] = [];
  const run = () =>
    new Promise<number>((resolve, reject) => {
      started.push({ finish: resolve, fail: reject });
    });
  return { started, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedRun', () => {
  it('runs once for requests made together', async () => {
    const { started, run } = manualRuns();
    const runs = new CoalescedRun(run);
    const results = [runs.request(), runs.request(), runs.request()];
    await settle();
    expect(started).toHaveLength(1);
    started[0].finish(1);
    expect(await Promise.all(results)).toEqual([1, 1, 1]);
  });

  it('folds requests made during a run into one more run after it, which they await', async () => {
    const { started, run } = manualRuns();
    const runs = new CoalescedRun(run);
    const first = runs.request();
    await settle();
    const joined = [runs.request(), runs.request()];
    await settle();
    expect(started).toHaveLength(1); // at most one in flight
    started[0].finish(1);
    expect(await first).toBe(1);
    await settle();
    expect(started).toHaveLength(2);
    started[1].finish(2);
    expect(await Promise.all(joined)).toEqual([2, 2]); // the run that started after they asked
  });

  it('reports a failed run to its requesters and runs again on the next request', async () => {
    const { started, run } = manualRuns();
    const runs = new CoalescedRun(run);
    const failing = runs.request();
    await settle();
    started[0].fail(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    const next = runs.request();
    await settle();
    started[1].finish(3);
    expect(await next).toBe(3);
  });

  it('starts no pending run after stop()', async () => {
    const { started, run } = manualRuns();
    const runs = new CoalescedRun(run);
    const current = runs.request();
    await settle();
    const pending = runs.request();
    runs.stop();
    started[0].finish(1);
    expect(await current).toBe(1);
    await expect(pending).rejects.toBeInstanceOf(RunsStoppedError);
    expect(started).toHaveLength(1);
  });

});

/**
 * Settles `work` while advancing fake time 1 ms at a time, so every timer fires exactly when
 * it is due and its promise callbacks run before the next millisecond.
 */
async function settleOnFakeClock<T>(work: Promise<T>, limitMs = 10_000): Promise<T> {
  let done = false;
  const result = work.finally(() => (done = true));
  for (let ms = 0; !done && ms < limitMs; ms++) await jest.advanceTimersByTimeAsync(1);
  return result;
}

// Spacing on a fake clock (Date.now and setTimeout faked): exact, whatever the machine's load.
describe('CoalescedRun spacing', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('spaces the starts of runs by the minimum interval', async () => {
    const starts: number[] = [];
    const runs = new CoalescedRun(async () => {
      starts.push(Date.now());
    }, 50);
    await settleOnFakeClock(runs.request());
    await settleOnFakeClock(Promise.all([runs.request(), runs.request()]));
    expect(starts).toHaveLength(2);
    expect(starts[1] - starts[0]).toBe(50);
  });

  it('asks a function for the interval before each run', async () => {
    const starts: number[] = [];
    const intervals = [0, 60, 0];
    const asked: number[] = [];
    const runs = new CoalescedRun(
      async () => {
        starts.push(Date.now());
      },
      () => {
        const interval = intervals[asked.length];
        asked.push(interval);
        return interval;
      },
    );
    await settleOnFakeClock(runs.request());
    await settleOnFakeClock(runs.request());
    await settleOnFakeClock(runs.request());
    expect(asked).toEqual([0, 60, 0]);
    expect(starts[1] - starts[0]).toBe(60);
    expect(starts[2] - starts[1]).toBe(0);
  });
});
