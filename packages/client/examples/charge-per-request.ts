// An HTTP API that charges 0.25 credits per request, before doing the work: 402 when the user's
// credits do not cover it, 503 when the credits service cannot say. Run it, then:
//   curl -H 'x-user-id: auth0|ada' -H 'x-request-id: 1' localhost:3000/summarize
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createCreditsClient, isInsufficientCredits, isUserNotFound } from '@credits/client';

const PRICE = 0.25;

// A request should not hang on its charge: 2 s, retries included, then it is refused.
const credits = createCreditsClient({ url: process.env.CREDITS_URL, apiKey: process.env.CREDITS_API_KEY, timeoutMs: 2_000 });

const server = createServer(async (req, res) => {
  // Who is calling: in your app, the user your authentication found.
  const userId = req.headers['x-user-id'];
  if (typeof userId !== 'string') return void res.writeHead(401).end();
  // The request's id as the idempotency key: a client retrying this request is charged once.
  const requestId = req.headers['x-request-id'] ?? randomUUID();
  const send = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  try {
    const charge = await credits.credits.consume.mutate({
      userId,
      amount: PRICE,
      description: `${req.method} ${req.url}`,
      idempotencyKey: `request:${requestId}`,
    });
    send(200, { summary: 'the work that was paid for', balance: charge.balanceAfter });
  } catch (error) {
    if (isInsufficientCredits(error)) return send(402, { error: 'insufficient credits', balance: error.data.balance, price: PRICE });
    if (isUserNotFound(error)) return send(403, { error: 'no credits account' });
    // Unreachable, too slow, or refused for another reason: do not give the work away unpaid.
    console.error(error);
    send(503, { error: 'billing unavailable, retry later' });
  }
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}`);
});
