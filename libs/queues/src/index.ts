export * from './queues';
export * from './coalesced-run';
export * from './projection-nudger';
