export * from './event-store';
export * from './stored-event';
export * from './append-errors';
export * from './request-hash';
export * from './event-store.module';
export * from './read-events';
