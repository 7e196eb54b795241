export * from './database';
export * from './ensure-database';
export * from './database.module';
export * from './pg-listener';
export * from './transaction';
export * from './schema-check';
export * from './prepared';
