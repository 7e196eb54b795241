import { Global, Module } from '@nestjs/common';
import { Database, DATABASE } from '@app/database';
import { EventStore } from './event-store';

@Global()
@Module({
  providers: [{ provide: EventStore, inject: [DATABASE], useFactory: (database: Database) => new EventStore(database.pool) }],
  exports: [EventStore],
})
export class EventStoreModule {}
