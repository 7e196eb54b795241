// The spacing of a partition's catch-ups (PROJECTION_STEP_INTERVAL_MS, 0 by default: back to
// back): with a cap, the next run starts twice the last run's duration after it, at most the cap.
// On a fake clock (Date.now, performance.now and setTimeout faked), so the spacing is exact
// whatever the machine's load: a wall-clock measure once gave 27.88 ms for "at least 28".
import { loadConfig } from '@app/config';
import { ProjectionRunner, StepResult } from '@app/projections';
import { CatchUpTrigger } from './catch-up-trigger';
import { PartitionOwner } from './partition-owner';

const RUN_MS = 15;

function triggerWith(env: Record<string, string>) {
  const starts: number[] = [];
  const runner = {
    catchUp: async (): Promise<StepResult> => {
      starts.push(performance.now());
      await new Promise((resolve) => setTimeout(resolve, RUN_MS));
      return { applied: 1, failed: [] };
    },
  } as unknown as ProjectionRunner;
  const ownership = { setHooks: () => undefined, owned: () => [0], owns: () => true } as unknown as PartitionOwner;
  const config = loadConfig({ DATABASE_URL: 'postgresql://localhost/x', ...env });
  return { trigger: new CatchUpTrigger(runner, ownership, config), starts };
}

/** Three requests one after another, fake time advancing 1 ms at a time until they are done. */
async function requestThrice(trigger: CatchUpTrigger): Promise<void> {
  let done = false;
  const work = (async () => {
    for (let i = 0; i < 3; i++) await trigger.request(0);
  })().finally(() => (done = true));
  for (let ms = 0; !done && ms < 10_000; ms++) await jest.advanceTimersByTimeAsync(1);
  await work;
}

describe('CatchUpTrigger spacing', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('with PROJECTION_STEP_INTERVAL_MS, starts the next run twice the last run duration after the last start', async () => {
    const { trigger, starts } = triggerWith({ PROJECTION_STEP_INTERVAL_MS: '1000' });
    await requestThrice(trigger);
    expect(starts).toHaveLength(3);
    expect(starts[2] - starts[1]).toBe(2 * RUN_MS);
  });

  it('never waits longer than PROJECTION_STEP_INTERVAL_MS', async () => {
    const { trigger, starts } = triggerWith({ PROJECTION_STEP_INTERVAL_MS: '5' });
    await requestThrice(trigger);
    expect(starts).toHaveLength(3);
    // The cap (5) is below the last run's duration: the next run starts as soon as it ends.
    expect(starts[2] - starts[1]).toBe(RUN_MS);
  });

  it('without a cap, runs back to back', async () => {
    const { trigger, starts } = triggerWith({});
    await requestThrice(trigger);
    expect(starts[1] - starts[0]).toBe(RUN_MS);
    expect(starts[2] - starts[1]).toBe(RUN_MS);
  });
});
