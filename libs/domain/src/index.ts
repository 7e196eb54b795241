export * from './catalogue';
export * from './codes';
export * from './money';
export * from './occurred-at';
export * from './validation';
export * from './mission-stream';
export * from './upcast';
export * from './projections/personnel';
