import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'https://credits.test/api';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** An identity provider's JWKS endpoint on loopback; `publish` swaps the keys it serves (rotation). */
export async function startJwks(keys: SigningKey[]) {
  let published = keys;
  let fetches = 0;
  const server = http.createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    publish(next: SigningKey[]) {
      published = next;
    },
    get fetches() {
      return fetches;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An Auth0-style access token; `claims` change or remove (undefined) any claim. `expiresIn` null
 * leaves out `exp`.
 */
export function token(key: SigningKey, claims: Omit<JWTPayload, 'sub'> & { sub?: unknown; email?: string; name?: string }, expiresIn: string | number | null = '5m') {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: now, ...claims } as JWTPayload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' });
  return (expiresIn === null ? jwt : jwt.setExpirationTime(expiresIn)).sign(key.privateKey);
}
