/**
 * The service's types the SDK is typed against, imported from their source by path: types only,
 * erased from the JavaScript and compiled into the package's d.ts (tsup bundles them), so the
 * published package depends on neither the service nor the contract, and a consumer installs
 * this package and its peers only.
 */
export type { AppRouter } from '../../../services/credits/src/trpc/router';
export type { DetailsOf, ErrorCode, ErrorData, ErrorDetails, ErrorReason } from '../../contract/src/errors';
