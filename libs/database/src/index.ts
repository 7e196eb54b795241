export * from './database';
export * from './ensure-database';
export * from './database.module';
