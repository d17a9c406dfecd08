import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type {} from './provided';

/**
 * A fresh database for one test file: a copy of the migrated template, made in milliseconds; or,
 * `empty`, one with no tables, for tests of the migrations themselves.
 */
export async function createTestDatabase({ empty = false } = {}): Promise<string> {
  const template = new URL(inject('templateUrl'));
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: Object.assign(new URL(template), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(empty ? `create database ${name}` : `create database ${name} template ${template.pathname.slice(1)}`);
        break;
      } catch (error) {
        // 55006: another file is cloning the template at this moment.
        if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  return Object.assign(template, { pathname: `/${name}` }).toString();
}
