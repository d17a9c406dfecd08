// `pnpm quickstart [url]`: the SDK's quickstart (packages/client/examples/quickstart.ts) against the
// service `pnpm start` runs, found from the settings `pnpm start` reads: the URL from the argument,
// else CREDITS_URL, else HOST and PORT (http://127.0.0.1:8000); the key from CREDITS_API_KEY, else
// ADMIN_API_KEY, else the admin key the service generated into DATA_DIR (.data) on its first run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
const root = path.resolve(import.meta.dirname, '..');
env.CREDITS_URL = process.argv[2] ?? (env.CREDITS_URL || `http://${env.HOST || '127.0.0.1'}:${env.PORT || 8000}`);
env.CREDITS_API_KEY = env.CREDITS_API_KEY || env.ADMIN_API_KEY || readFileSync(path.resolve(root, env.DATA_DIR || '.data', 'admin-api-key'), 'utf8').trim();
await import(pathToFileURL(path.join(root, 'packages/client/examples/quickstart.ts')).href);
