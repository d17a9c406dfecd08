import { z } from 'zod';
import { publicProcedure } from './init';

export const health = publicProcedure.output(z.object({ status: z.literal('healthy') })).query(() => ({ status: 'healthy' as const }));
