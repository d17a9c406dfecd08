import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * /console: the web console's static files (packages/console, built by Vite), public: they hold
 * no data, every call the page makes carries the credential the user pastes. Assets have content
 * hashes in their names, so they are cached for good; index.html names the current ones and is
 * never cached. Any other path under /console is the page itself (the console routes on the
 * client: /console/users/42 reloads into the same page).
 */
const dist = path.join(path.dirname(createRequire(import.meta.url).resolve('@credits/console/package.json')), 'dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The page's script and styles come from here only, and it cannot be framed: the credential it
 * holds in sessionStorage is worth an injected script's while.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Answers /console and everything under it; false for any other path. */
export async function serveConsole(pathname: string, res: http.ServerResponse): Promise<boolean> {
  if (pathname !== '/console' && !pathname.startsWith('/console/')) return false;
  const asset = /^\/console\/assets\/([\w.-]+)$/.exec(pathname)?.[1];
  if (asset !== undefined) {
    const type = TYPES[path.extname(asset)];
    const body = type ? await readOptional(path.join(dist, 'assets', asset)) : null;
    if (!body) {
      // A stale page asking for an asset of an earlier build: not the page in its place.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }).end('Not found');
      return true;
    }
    res.writeHead(200, { 'content-type': type!, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' }).end(body);
    return true;
  }
  const page = await readOptional(path.join(dist, 'index.html'));
  if (!page) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }).end('The console is not built: run `pnpm --filter @credits/console build`.');
    return true;
  }
  res.writeHead(200, PAGE_HEADERS).end(page);
  return true;
}

async function readOptional(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
