import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { credentialFrom } from '../auth/credentials';
import type { Deps } from '../trpc/context';

/**
 * GET /metrics, Prometheus text format. A scraper gets its own token (METRICS_TOKEN) so it never
 * holds the admin key; admin credentials are accepted too, and are all that works without one.
 * The counts are not users' data, but they do say how busy the service is and who its callers are.
 */
export function createMetricsHandler(deps: Deps, metricsToken: string | undefined) {
  const tokenHash = metricsToken === undefined ? undefined : sha256(metricsToken);

  async function allowed(req: http.IncomingMessage): Promise<boolean> {
    const credential = credentialFrom(req.headers);
    // Hashing both sides makes the comparison constant-time whatever the lengths.
    if (tokenHash && credential?.header === 'authorization' && timingSafeEqual(sha256(credential.value), tokenHash)) return true;
    const auth = await deps.authenticate(credential, req.socket.remoteAddress ?? 'unknown');
    return 'principal' in auth && auth.principal.kind === 'admin';
  }

  return async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!(await allowed(req))) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ detail: 'Unauthorized' }));
      return;
    }
    const { registry } = deps.metrics;
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();
