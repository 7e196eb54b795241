// `npm run db:rebuild-stream-state`: recomputes every stream's rule state (streams.state)
// from its events with the domain's write-side evolve. Appends recompute a stale stream on
// first use anyway; this does all of them at once, and repairs states a bug left wrong.
import { checkDependencies, loadConfig, runMain } from '@app/config';
import { createDatabase } from '@app/database';
import { EventStore } from '@app/event-store';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  const database = createDatabase(config.DATABASE_URL, 2);
  try {
    const started = Date.now();
    const { streams, changed } = await new EventStore(database.pool).rebuildStreamStates();
    console.log(`recomputed the rule state of ${streams} streams from their events (${changed} changed) in ${Date.now() - started} ms`);
  } finally {
    await database.close();
  }
});
