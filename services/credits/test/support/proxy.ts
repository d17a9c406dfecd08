import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with a request instead of forwarding it. */
export type Scripted =
  /** Forward it, let the service process it, then cut the connection before the answer is sent back. */
  | 'drop'
  /** Hold it: never answer, never forward. */
  | 'stall'
  /** Answer it here, as a proxy or a load balancer would, without forwarding. */
  | { status: number; headers?: Record<string, string>; body?: string };

export interface Arrival {
  /** `performance.now()` when the request arrived. */
  at: number;
  /** The client closed the connection before an answer was sent (a cancelled request). */
  closedEarly: boolean;
}

/**
 * An HTTP proxy in front of the service. By default it forwards; `script` makes it drop, hold or
 * answer the next requests itself. Every request's arrival is recorded.
 */
export async function startProxy(target: string) {
  const upstream = new URL(target);
  const script: Scripted[] = [];
  const arrivals: Arrival[] = [];
  let forwarded = 0;
  const server = http.createServer((req, res) => {
    const arrival: Arrival = { at: performance.now(), closedEarly: false };
    arrivals.push(arrival);
    res.on('close', () => (arrival.closedEarly = !res.writableFinished));
    const step = script.shift();
    if (step === 'stall') return void req.resume();
    if (typeof step === 'object') {
      req.resume();
      return void res.writeHead(step.status, step.headers).end(step.body);
    }
    forwarded++;
    const proxied = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (step === 'drop') {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The next requests, one step each, in order; requests after them are forwarded. */
    script(...steps: Scripted[]) {
      script.push(...steps);
    },
    /** The next `n` responses are processed by the service and never delivered. */
    dropNext(n: number) {
      script.push(...Array.from({ length: n }, () => 'drop' as const));
    },
    arrivals,
    /** Forgets the steps not yet taken and the arrivals so far. */
    reset() {
      script.length = 0;
      arrivals.length = 0;
    },
    get forwarded() {
      return forwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
