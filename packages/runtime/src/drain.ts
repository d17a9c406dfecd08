import type http from 'node:http';

/**
 * Shutdown of a server whose clients keep connections alive. server.close() stops new
 * connections, but a client holding a kept-alive one could go on sending requests through it,
 * and the drain would never end. Once draining, such a request is turned away (503 with
 * `Connection: close`: the SDK retries it, against a replica that is up), and the calls in flight
 * finish with `Connection: close`, so no connection outlives its last answer.
 */

interface State {
  draining: boolean;
  inFlight: Set<http.ServerResponse>;
}

const states = new WeakMap<http.Server, State>();

function stateOf(server: http.Server): State {
  let state = states.get(server);
  if (!state) {
    state = { draining: false, inFlight: new Set() };
    states.set(server, state);
  }
  return state;
}

/** Whether the request may start; when not, it has been answered. */
export function admit(server: http.Server, res: http.ServerResponse): boolean {
  const state = stateOf(server);
  if (state.draining) {
    res
      .writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' })
      .end(JSON.stringify({ detail: 'The service is shutting down; retry' }));
    return false;
  }
  state.inFlight.add(res);
  res.once('close', () => state.inFlight.delete(res));
  return true;
}

/**
 * A long-lived answer (an event stream) is not a request being answered: background work that
 * gives way to requests in flight would otherwise wait as long as anyone listens. Shutdown ends
 * streams itself (they end when their source stops; closeGracefully cuts what is left).
 */
export function streaming(server: http.Server, res: http.ServerResponse): void {
  stateOf(server).inFlight.delete(res);
}

/** How many requests are being answered now: background work yields while there are others. */
export function requestsInFlight(server: http.Server): number {
  return stateOf(server).inFlight.size;
}

export function startDraining(server: http.Server): void {
  const state = stateOf(server);
  state.draining = true;
  for (const res of state.inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
}

/**
 * Stops a server as a shutdown should: refuses new connections at once, lets the requests in
 * flight finish, and cuts the connections still busy after `graceMs`.
 */
export function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    startDraining(server);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
