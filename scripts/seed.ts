// `npm run seed`: loads the demo mission through the same event store the API appends with
// (validation, domain rules, actor "seed"), then nudges the projections.
import { DomainError } from '@app/domain';
import { loadConfig, runMain, checkDependencies } from '@app/config';
import { createDatabase } from '@app/database';
import { EventStore } from '@app/event-store';
import { migrate } from './migrate';
import { DEMO_MISSION_ID, demoMissionCommand } from './demo-mission';
import { checkRedis, projectionPartitions, ProjectionNudger, RedisConnections } from '@app/queues';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config, { databaseMayBeMissing: true });
  await checkRedis(config);
  await migrate(config.DATABASE_URL, true);
  const database = createDatabase(config.DATABASE_URL, 2);
  try {
    const store = new EventStore(database.pool);
    const { result } = await store.append(DEMO_MISSION_ID, demoMissionCommand(), { actor: 'seed', principal: 'seed' });
    // Tell the workers (they would also find out on their next sweep).
    const connections = new RedisConnections(config);
    const nudger = new ProjectionNudger(connections, projectionPartitions(config));
    nudger.onModuleInit();
    await nudger.nudge([DEMO_MISSION_ID]);
    await connections.onApplicationShutdown();
    console.log(`seeded ${DEMO_MISSION_ID}: ${result.events.length} events, stream version ${result.streamVersion}`);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'version-conflict') {
      console.log(`${DEMO_MISSION_ID} already exists; nothing appended`);
      return;
    }
    throw error;
  } finally {
    await database.close();
  }
});
