import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { invalidCredentials, unavailable } from '../domain/errors';

export interface JwtOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The least time between two fetches of the key set, however many unknown `kid`s arrive. */
  jwksCooldownMs: number;
}

export type VerifyJwt = (token: string) => Promise<JWTPayload>;

/**
 * Verifies Auth0-style access tokens against the issuer's JWKS. The key set is fetched on first
 * use, cached, and fetched again when a token names a key id it does not hold (key rotation).
 * Failures become UNAUTHORIZED with the reason, never the token; an unreachable JWKS is 503.
 */
export function createJwtVerifier(options: JwtOptions): VerifyJwt {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs, timeoutDuration: 5_000 });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256', 'PS256', 'ES256'],
        clockTolerance: 5,
      });
      return payload;
    } catch (error) {
      throw describe(error);
    }
  };
}

function describe(error: unknown) {
  if (error instanceof errors.JWTExpired) return invalidCredentials('Invalid token: expired');
  if (error instanceof errors.JWTClaimValidationFailed) return invalidCredentials(`Invalid token: its ${error.claim} claim is not accepted`);
  if (error instanceof errors.JWKSNoMatchingKey) return invalidCredentials('Invalid token: signed by a key the issuer does not publish');
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidCredentials('Invalid token: bad signature');
  if (error instanceof errors.JOSEAlgNotAllowed) return invalidCredentials('Invalid token: algorithm not accepted');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof TypeError) {
    return unavailable('The token issuer’s signing keys cannot be fetched right now');
  }
  return invalidCredentials('Invalid token');
}
