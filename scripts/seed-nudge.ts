import { AppConfig } from '@app/config';
import { PROJECTION_NAMES } from '@app/projections';
import { ProjectionNudger } from '@app/queues';

/** Tells the workers the log has grown (they would also find out on their next sweep). */
export async function nudgeAfterSeed(config: AppConfig): Promise<void> {
  const nudger = new ProjectionNudger(config, PROJECTION_NAMES);
  await nudger.nudge();
  await nudger.close();
}
