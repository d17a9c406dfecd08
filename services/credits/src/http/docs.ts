import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * /docs: Swagger UI over /openapi.json, served from the swagger-ui-dist package (no CDN: the
 * page works on machines without internet).
 */
const assets = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Credits API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="api"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api', deepLinking: true, docExpansion: 'list', persistAuthorization: true });
  </script>
</body>
</html>`;

/** Answers /docs and its assets; false for any other path. */
export async function serveDocs(pathname: string, res: http.ServerResponse): Promise<boolean> {
  if (pathname === '/docs' || pathname === '/docs/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    return true;
  }
  const file = pathname.startsWith('/docs/') ? pathname.slice('/docs/'.length) : '';
  const type = FILES[file];
  if (!type) return false;
  res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=86400' }).end(await readFile(path.join(assets, file)));
  return true;
}
