import './messages';
export * from './amount';
export * from './api-keys';
export * from './common';
export * from './credits';
export * from './errors';
export * from './grants';
export * from './users';
