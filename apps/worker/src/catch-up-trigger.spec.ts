// The spacing of a partition's catch-ups (PROJECTION_STEP_INTERVAL_MS, 0 by default: back to
// back): with a cap, the next run starts twice the last run's duration after it, at most the cap.
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

describe('CatchUpTrigger spacing', () => {
  it('with PROJECTION_STEP_INTERVAL_MS, starts the next run twice the last run duration after the last start', async () => {
    const { trigger, starts } = triggerWith({ PROJECTION_STEP_INTERVAL_MS: '1000' });
    for (let i = 0; i < 3; i++) await trigger.request(0);
    expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(2 * RUN_MS - 2);
    expect(starts[2] - starts[1]).toBeLessThan(1000);
  });

  it('never waits longer than PROJECTION_STEP_INTERVAL_MS', async () => {
    const { trigger, starts } = triggerWith({ PROJECTION_STEP_INTERVAL_MS: '5' });
    for (let i = 0; i < 3; i++) await trigger.request(0);
    expect(starts[2] - starts[1]).toBeLessThan(RUN_MS + 10);
  });
});
