import { AppConfig } from '@app/config';

/** Projections arrive in the next issue; until then there is nothing to nudge. */
export async function nudgeAfterSeed(_config: AppConfig): Promise<void> {}
