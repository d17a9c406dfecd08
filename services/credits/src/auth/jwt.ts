import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { DomainError, invalidCredentials, unavailable } from '../domain/errors';

export interface JwtOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The least time between two fetches of the key set, however many unknown `kid`s arrive. */
  jwksCooldownMs: number;
  /** Tokens issued longer ago than this are refused, whatever their `exp` (AUTH_MAX_TOKEN_AGE_S). */
  maxTokenAgeS?: number | undefined;
}

/** Clocks disagree a little: this much is forgiven on `exp`, and on a token's age. */
const CLOCK_TOLERANCE_S = 5;
/** An `iat` this far ahead is not clock skew but a token minted to outlive its age limit. */
const MAX_FUTURE_IAT_S = 60;

export type VerifyJwt = (token: string) => Promise<JWTPayload>;

/**
 * Verifies Auth0-style access tokens against the issuer's JWKS. The key set is fetched on first
 * use, cached, and fetched again when a token names a key id it does not hold (key rotation).
 * Every token must expire (`exp`), must not claim to be issued more than a minute from now, and,
 * with a maximum age, must carry `iat` within it. Failures become UNAUTHORIZED with the reason,
 * never the token; an unreachable JWKS is 503.
 */
export function createJwtVerifier(options: JwtOptions): VerifyJwt {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs, timeoutDuration: 5_000 });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256', 'PS256', 'ES256'],
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', ...(options.maxTokenAgeS === undefined ? [] : ['iat'])],
      });
      checkIssuedAt(payload, options.maxTokenAgeS);
      return payload;
    } catch (error) {
      throw describe(error);
    }
  };
}

function checkIssuedAt({ iat }: JWTPayload, maxAgeS: number | undefined): void {
  if (iat === undefined) return;
  const now = Math.floor(Date.now() / 1000);
  if (iat > now + MAX_FUTURE_IAT_S) throw invalidCredentials('Invalid token: its iat claim is in the future');
  if (maxAgeS !== undefined && now - iat > maxAgeS + CLOCK_TOLERANCE_S) throw invalidCredentials('Invalid token: older than the maximum token age');
}

function describe(error: unknown) {
  if (error instanceof DomainError) return error;
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
