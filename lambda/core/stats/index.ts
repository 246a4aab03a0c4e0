export * from './distributions';
export * from './interval';
export * from './means';
export * from './percentiles';
export * from './proportions';
export * from './random';
export * from './sequential';
