// What the global setup hands to every test file (vitest's provide/inject).
declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template database; each test file clones it (see db.ts). */
    templateUrl: string;
  }
}

export {};
