import { ApiKey } from './api-key';
import { CreditAccount } from './credit-account';
import { CreditTransaction } from './credit-transaction';
import { User } from './user';

export { ApiKey, CreditAccount, CreditTransaction, User };
export const entities = [User, CreditAccount, CreditTransaction, ApiKey];
