/**
 * Paging limits, in a module of their own without zod: the console (a browser bundle) reads them
 * through `@credits/contract/limits` without taking the schemas along.
 */
export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

export const MAX_OFFSET = 100_000;
