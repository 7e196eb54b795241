export * from './queues';
export * from './projection-nudger';
