import { ApiKey } from './api-key';
import { CreditAccount } from './credit-account';
import { CreditBucket } from './credit-bucket';
import { CreditHold } from './credit-hold';
import { CreditTransaction } from './credit-transaction';
import { GrantProgram } from './grant-program';
import { GrantRun } from './grant-run';
import { SchemaChange } from './schema-change';
import { Session } from './session';
import { SessionMessage } from './session-message';
import { UsageDaily } from './usage-daily';
import { UsageRecord } from './usage-record';
import { User } from './user';

export { ApiKey, CreditAccount, User };
export const entities = [User, CreditAccount, CreditBucket, CreditHold, CreditTransaction, ApiKey, GrantProgram, GrantRun, Session, SessionMessage, UsageRecord, UsageDaily, SchemaChange];
