import fs from 'node:fs/promises';
import path from 'node:path';

/** A secret kept in a file beside the data it protects, readable by this user only; `created` on first use. */
export async function readOrCreateSecret(file: string, make: () => string | Promise<string>): Promise<{ secret: string; created: boolean }> {
  try {
    return { secret: (await fs.readFile(file, 'utf8')).trim(), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = await make();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, created: true };
}
