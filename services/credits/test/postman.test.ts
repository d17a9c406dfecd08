import fs from 'node:fs/promises';
import newman from 'newman';
import { expect, it } from 'vitest';
import { COLLECTION_FILE, collectionText, PREPARES } from '../scripts/postman';
import { restRoutes } from '../src/http/server';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

const service = useTestService();

it('the committed Postman collection is the one the routes generate now', async () => {
  expect(await fs.readFile(COLLECTION_FILE, 'utf8')).toBe(collectionText());
});

it('the Postman collection passes under newman against a fresh service', async () => {
  const summary = await new Promise<newman.NewmanRunSummary>((resolve, reject) =>
    newman.run(
      {
        collection: COLLECTION_FILE,
        envVar: [
          { key: 'baseUrl', value: service.url },
          { key: 'apiKey', value: TEST_ADMIN_KEY },
        ],
        reporters: [],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  const failures = summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`);
  expect(failures).toEqual([]);
  // Every route once, and the request each preparation sends before its route.
  expect(summary.run.stats.requests.total).toBe(restRoutes.length + Object.keys(PREPARES).length);
  expect(summary.run.stats.assertions.total).toBe(2 * restRoutes.length);
  expect(summary.run.stats.assertions.failed).toBe(0);
});
