export * from './config';
export * from './config.module';
export * from './dependencies';
export * from './throttled-warning';
export * from './within';
export * from './heap-growth';
export * from './framework-logger';
