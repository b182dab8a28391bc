// Waiting for this node's delivery of a record it published itself. After `auth` the original sent
// `online-status-updated` to the workspace before `auth-success`; the announcement travels the bus
// (Kafka: through the broker), so `auth-success` is emitted only once this node's fanout has emitted
// the announcement to its rooms (socket.io then writes a socket's packets in emit order). A bus that
// is slow or down must not hold the reply forever: after `timeoutMs` it goes out anyway.
export class Deliveries {
  private readonly waiting = new Map<string, () => void>();

  constructor(private readonly timeoutMs: number) {}

  /** Resolves when `delivered(id)` is called, or after the timeout. Call before publishing `id`. */
  wait(id: string): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.timeoutMs);
      const waiting = this.waiting;
      function done(): void {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      }
      waiting.set(id, done);
    });
  }

  /** The fanout handler has finished with record `id` (emitted, or had no one to emit to). */
  delivered(id: string): void {
    this.waiting.get(id)?.();
  }

  /** Settles every wait (shutdown). */
  releaseAll(): void {
    for (const done of [...this.waiting.values()]) done();
  }
}
