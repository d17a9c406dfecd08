import type { TRPCBuiltRouter, TRPCDecorateCreateRouterOptions } from '@trpc/server';
import { alerts } from './alerts';
import { apiKeys, auth } from './api-keys';
import { credits } from './credits';
import { events } from './events';
import { grants } from './grants';
import { health } from './health';
import { programs } from './programs';
import { schema } from './schema';
import { sessions } from './sessions';
import { stats } from './stats';
import { usage } from './usage';
import { createCallerFactory, router } from './init';
import type { ErrorShape } from './errors';
import { users } from './users';
import { webhookProcedures as webhooks } from './webhooks';

// Areas are plain records of procedures. A procedure's type names its input, output and meta but
// not the context, so the AppRouter type below names nothing server-only (no ORM, no Context):
// the SDK's d.ts bundles it, and consumers need neither this service nor MikroORM.
const procedures = { health, auth, users, credits, usage, sessions, grants, programs, stats, alerts, events, webhooks, apiKeys, schema };

export const appRouter = router(procedures);

/** The procedures called in-process (REST routes, tests): `createCaller(context).credits.consume(...)`. */
export const createCaller = createCallerFactory(appRouter);

/** The router type the SDK is typed against. */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: ErrorShape; transformer: true },
  TRPCDecorateCreateRouterOptions<typeof procedures>
>;
