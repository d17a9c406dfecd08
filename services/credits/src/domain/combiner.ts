/**
 * Combines concurrent calls on one key into batches. A call on a key with nothing in flight goes
 * at once, alone, so an uncontended key pays nothing for this. Calls arriving while a batch of
 * their key is out wait for it, then go together as the next batch (up to `maxBatch`), in arrival
 * order. Keys never share a batch, and batches of one key never overlap: order within a key is
 * kept.
 *
 * This is throughput only, never correctness: the database still locks and checks every item,
 * so several processes (replicas) combining independently stay exact.
 */
export type Combine<In, Out> = (key: string, input: In) => Promise<Out>;

interface Waiting<In, Out> {
  input: In;
  resolve(out: Out): void;
  reject(error: unknown): void;
}

export function createCombiner<In, Out>(run: (items: In[]) => Promise<Out[]>, maxBatch: number): Combine<In, Out> {
  const queues = new Map<string, Waiting<In, Out>[]>();

  async function drain(key: string, queue: Waiting<In, Out>[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      try {
        const outs = await run(batch.map((w) => w.input));
        if (outs.length !== batch.length) throw new Error(`combined batch: ${batch.length} items in, ${outs.length} out`);
        batch.forEach((w, i) => w.resolve(outs[i]!));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    queues.delete(key);
  }

  return (key, input) =>
    new Promise<Out>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue) return void queue.push({ input, resolve, reject });
      const fresh = [{ input, resolve, reject }];
      queues.set(key, fresh);
      void drain(key, fresh);
    });
}
