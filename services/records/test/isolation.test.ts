import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';

/**
 * The records service knows the credits service only through the published SDK: nothing under
 * its src/ may import the credits service's code or open a connection to its database.
 */
const root = path.resolve(import.meta.dirname, '..');

async function sources(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)])));
  return nested.flat().filter((f) => /\.[cm]?[jt]s$/.test(f));
}

it('imports nothing of the credits service', async () => {
  const offending: string[] = [];
  for (const file of await sources(path.join(root, 'src'))) {
    const text = await fs.readFile(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const target = specifier!.startsWith('.') ? path.resolve(path.dirname(file), specifier!) : specifier!;
      if (/@credits\/service|services[\\/]credits|@credits\/contract/.test(target)) offending.push(`${path.relative(root, file)}: ${specifier}`);
    }
  }
  expect(offending).toEqual([]);
  const manifest = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
  const dependencies = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  expect(dependencies.filter((d) => d.startsWith('@credits/')).sort()).toEqual(['@credits/client', '@credits/runtime']);
});

it('reads no credits database setting', async () => {
  for (const file of await sources(path.join(root, 'src'))) {
    const text = await fs.readFile(file, 'utf8');
    // Its own database is RECORDS_DATABASE_URL; the credits service's DATABASE_URL is not its business.
    expect(text.match(/(?<!RECORDS_)DATABASE_URL/g), path.relative(root, file)).toBeNull();
  }
});
