/** Deterministic demo data and the harvest-day scenario (see scenario.ts). */
export * from './address-book.js';
export * from './buyers.js';
export * from './cooperatives.js';
export * from './demand.js';
export * from './exporters.js';
export * from './growing-areas.js';
export * from './names.js';
export * from './random.js';
export * from './scenario.js';
export * from './stock.js';
