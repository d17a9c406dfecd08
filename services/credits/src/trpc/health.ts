import { z } from 'zod';
import { authedProcedure } from './init';

export const health = authedProcedure.output(z.object({ status: z.literal('healthy') })).query(() => ({ status: 'healthy' as const }));
