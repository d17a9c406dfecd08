import net from 'node:net';

export interface RawAnswer {
  /** The status line's code, or null when the server closed without answering. */
  status: number | null;
  /** Everything the server sent. */
  text: string;
}

/**
 * Sends `bytes` on a fresh socket exactly as given (no client library to tidy them up), then
 * reads until the server closes or `waitMs` passes. `closeAfterSend` hangs up once it is sent: a
 * request cut off half way.
 */
export function rawRequest(url: string, bytes: Buffer | string, options: { waitMs?: number; closeAfterSend?: boolean } = {}): Promise<RawAnswer> {
  // The answer to HEAD has headers only, whatever its Content-Length says.
  const headOnly = bytes.slice(0, 5).toString() === 'HEAD ';
  const { hostname, port } = new URL(url);
  const { waitMs = 3_000, closeAfterSend = false } = options;
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : null, text });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (data) => {
      text += data.toString('latin1');
      // One full answer is enough: stop waiting for a kept-alive connection to close.
      if (/\r\n\r\n/.test(text) && (headOnly || answerComplete(text))) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(bytes, () => {
      if (closeAfterSend) socket.end();
    });
  });
}

/** A response whose body is all there: by Content-Length, or by the last chunk. */
function answerComplete(text: string): boolean {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  const body = text.slice(split + 4);
  const length = /\r\ncontent-length: (\d+)/i.exec(head);
  if (length) return Buffer.byteLength(body, 'latin1') >= Number(length[1]);
  if (/\r\ntransfer-encoding: chunked/i.test(head)) return body.endsWith('0\r\n\r\n');
  return false;
}

/** A request's head, in HTTP/1.1 form, with the headers as given. */
export function requestHead(method: string, target: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: 'localhost', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('')}\r\n`;
}
