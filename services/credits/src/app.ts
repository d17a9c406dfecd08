import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { startEmbeddedPostgres } from './db/embedded';
import { openDatabase } from './db/orm';
import { createHttpServer } from './http/server';
import type { Logger } from './log';
import type { Deps } from './trpc/init';

export interface App {
  /** Where the HTTP server listens, e.g. http://127.0.0.1:8000. */
  url: string;
  /** Embedded (with its data directory) or the server DATABASE_URL names, without credentials. */
  database: string;
  deps: Deps;
  /** Stops taking requests, lets those in flight finish (up to the grace period), then closes the database. */
  close(): Promise<void>;
}

/** Database, migrations, HTTP server: everything `main` starts, and what tests start in-process. */
export async function startApp(config: Config, log: Logger): Promise<App> {
  const database = config.databaseUrl
    ? { url: config.databaseUrl, stop: async () => {}, describe: describeUrl(config.databaseUrl) }
    : { ...(await startEmbeddedPostgres(config.dataDir, log)), describe: `embedded PostgreSQL, data in ${config.dataDir}` };

  let orm;
  try {
    orm = await openDatabase(database.url, config.dbPoolSize, log);
  } catch (error) {
    await database.stop();
    throw error;
  }
  const deps: Deps = { orm, log };
  const server = createHttpServer(deps);
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await orm.close();
    await database.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    database: database.describe,
    deps,
    close: () =>
      (closing ??= (async () => {
        await closeServer(server, config.shutdownGraceMs);
        await orm.close();
        await database.stop();
      })()),
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Refuses new connections at once; cuts the ones still busy after `graceMs`. */
function closeServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function describeUrl(url: string): string {
  const u = new URL(url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
