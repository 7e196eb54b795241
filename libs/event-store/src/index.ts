export * from './event-store';
export * from './append-types';
export * from './append-transaction';
export * from './stored-event';
export * from './append-errors';
export * from './request-hash';
export * from './read-events';
export * from './event-store.module';
