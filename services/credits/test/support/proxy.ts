import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of the service that can lose responses: the request reaches the service
 * and is processed, then the connection to the client is cut before the answer is sent back.
 */
export async function startLossyProxy(target: string) {
  const upstream = new URL(target);
  let dropsLeft = 0;
  let forwarded = 0;
  const server = http.createServer((req, res) => {
    const drop = dropsLeft > 0;
    if (drop) dropsLeft--;
    forwarded++;
    const proxied = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (drop) {
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
    /** The next `n` responses are processed by the service and never delivered. */
    dropNext(n: number) {
      dropsLeft = n;
    },
    get forwarded() {
      return forwarded;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
