// The console's callback inboxes: a callback URL `<any origin>/console/inbox/<id>` whose id the
// console created on this node is delivered to in process (the deliverer's fetch hands the request
// over here and gets a 204), so a developer sees the webhook deliveries, signed as any receiver gets
// them, without a receiver of their own.
//
// Why in process rather than an HTTP endpoint the gateway POSTs to: the inbox lives on the gateway
// itself (loopback, or a private address), which the egress policy (address-policy.ts) rightly
// refuses to every callback. Nothing here opens a connection, so the policy is not weakened: the
// only URLs it lets through registration unchecked are those of a live inbox, which only the console
// creates (dev mode, or with CONSOLE_TOKEN), under an unguessable id; those never reach the network.
// An inbox is this node's: a delivery another node makes (the job went to it) is an ordinary one
// and is refused by the policy, retried and queued for polling. Inboxes are few and short: the
// oldest goes when there are too many, and each keeps its newest deliveries.
import { randomUUID } from 'node:crypto';

export interface InboxDelivery {
  /** Ordinal in its inbox, from 1. */
  n: number;
  /** When it arrived, ms since the epoch. */
  at: number;
  headers: Record<string, string>;
  body: string;
}

interface Inbox {
  deliveries: InboxDelivery[];
  received: number;
}

const PATH = /^\/console\/inbox\/([0-9a-f-]{36})$/;

export class ConsoleInboxes {
  private readonly inboxes = new Map<string, Inbox>();

  constructor(
    private readonly maxInboxes = 20,
    private readonly keep = 50,
  ) {}

  /** A new inbox's id; the oldest inbox goes when there are more than maxInboxes. */
  create(): string {
    const id = randomUUID();
    this.inboxes.set(id, { deliveries: [], received: 0 });
    if (this.inboxes.size > this.maxInboxes) this.inboxes.delete(this.inboxes.keys().next().value!);
    return id;
  }

  /** The id of the live inbox `url` points at, if it does. */
  idOf(url: string): string | undefined {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
    const id = PATH.exec(path)?.[1];
    return id !== undefined && this.inboxes.has(id) ? id : undefined;
  }

  /** The deliveries of inbox `id` after the `after`th, or undefined for no such inbox. */
  deliveries(id: string, after = 0): InboxDelivery[] | undefined {
    return this.inboxes.get(id)?.deliveries.filter((d) => d.n > after);
  }

  /** A fetch that hands a POST to a live inbox over in process and sends anything else with `next`. */
  fetch(next: typeof fetch): typeof fetch {
    return async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const inbox = this.inboxes.get(this.idOf(url) ?? '');
      if (!inbox) return next(input, init);
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const body = typeof init?.body === 'string' ? init.body : '';
      inbox.deliveries.push({ n: ++inbox.received, at: Date.now(), headers, body });
      if (inbox.deliveries.length > this.keep) inbox.deliveries.shift();
      return new Response(null, { status: 204 });
    };
  }
}
