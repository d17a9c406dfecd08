import { ApiKey } from './api-key';
import { CreditAccount } from './credit-account';
import { CreditTransaction } from './credit-transaction';
import { GrantRun } from './grant-run';
import { User } from './user';

export { ApiKey, CreditAccount, CreditTransaction, GrantRun, User };
export const entities = [User, CreditAccount, CreditTransaction, ApiKey, GrantRun];
