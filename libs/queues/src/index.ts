export * from './queues';
export * from './coalesced-run';
export * from './partition-count';
export * from './projection-nudger';
export * from './redis-connection';
export * from './redis-check';
export * from './redis-connections';
export * from './queues.module';
