/**
 * Background work (the grant's chunks) gives way to calls. After each chunk it waits, while calls
 * are being answered, `factor` times as long as the chunk took (at most `maxMs`): under load the
 * database spends most of its time on calls and the grant takes longer; with nobody calling it
 * runs at full speed. Measured in `pnpm bench` ("consume, while a grant runs").
 */
export function createPace(busy: () => boolean, factor = 3, maxMs = 250): (chunkMs: number) => Promise<void> {
  return async (chunkMs) => {
    if (!busy()) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(maxMs, chunkMs * factor)));
  };
}
