// The drain is shared with the records service; server.ts imports it from here.
export { admit, startDraining } from '@credits/runtime';
