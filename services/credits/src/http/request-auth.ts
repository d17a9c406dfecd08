import type http from 'node:http';
import type { AuthResult } from '../auth/authenticate';
import { credentialFrom } from '../auth/credentials';
import type { Deps } from '../trpc/context';

/** The address failed attempts are counted against: the peer of the connection. */
const clientAddress = (req: http.IncomingMessage): string => req.socket?.remoteAddress ?? 'unknown';

/** Who sent this request, from its headers alone: checked before any body is read. */
export function authenticateRequest(deps: Deps, req: http.IncomingMessage): Promise<AuthResult> {
  return deps.authenticate(credentialFrom(req.headers), clientAddress(req));
}
