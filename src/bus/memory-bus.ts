// The in-process Bus: used when KAFKA_BROKERS is not set. It mirrors what the Kafka bus promises
// (asynchronous delivery, per-api order, fanout vs. work groups) so code behaves the same on both.
import type { Context } from '@opentelemetry/api';
import { consumeInContext, contextOf, startProduce } from '../tracing/spans';
import { checkedAgainst, DeadLetterError, markChecked, type ApiName, type Bus, type Envelope, type EnvelopeHandler, type Subscription, type SubscriptionMode } from '../ports/bus';

export interface MemoryBusOptions {
  /** Called when a fanout handler fails, or a work envelope is dropped after its last attempt. */
  onError?: (error: unknown, envelope: Envelope, api: ApiName) => void;
  /** Attempts per work envelope before it is dropped (default 5). */
  maxAttempts?: number;
  /** Delay before retry n is n * retryDelayMs (default 100). */
  retryDelayMs?: number;
  /** Work envelopes held while a work group has no member; beyond this they are dropped (default 10000). */
  maxPending?: number;
}

interface Member {
  handler: EnvelopeHandler;
  closed: boolean;
}

/** A published envelope, serialized, and the trace context it was published in (tracing on). */
interface Queued {
  record: string;
  trace: Context | undefined;
  /** The catalogue the publisher checked the envelope with, carried to each copy (ports/bus.ts). */
  checked: object | undefined;
}

/** A fanout subscriber: its own queue, drained one handler call at a time (keeps publish order). */
interface FanoutMember extends Member {
  queue: Queued[];
  draining: Promise<void> | undefined;
  /** Envelopes queued and handled so far, and who waits for `handled` to reach a count (settled). */
  queued: number;
  handled: number;
  waiters: Array<{ until: number; resolve: () => void }>;
}

/** A work subscriber: takes one envelope at a time from its group's shared queue. */
interface Worker extends Member {
  running: Promise<void> | undefined;
}

interface WorkItem extends Queued {
  attempts: number;
}

interface WorkGroup {
  queue: WorkItem[];
  workers: Worker[];
  next: number; // round-robin position
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class MemoryBus implements Bus {
  /** Only this process publishes here. */
  readonly foreignRecords = false;
  private readonly fanout = new Map<ApiName, Set<FanoutMember>>();
  private readonly groups = new Map<ApiName, WorkGroup>();
  /** Every drain or run in progress, so close() can wait for them. */
  private readonly active = new Set<Promise<void>>();
  private closed = false;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: MemoryBusOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 100);
    this.maxPending = Math.max(0, options.maxPending ?? 10_000);
  }

  async publish(api: ApiName, envelope: Envelope): Promise<void> {
    if (this.closed) throw new Error(`MemoryBus is closed: cannot publish to ${api}`);
    // Serialize like a Kafka record: the publisher's later mutations do not leak, each handler gets
    // its own copy, and a value Kafka could not carry fails here too.
    const record = JSON.stringify(envelope);
    const span = startProduce('switchyard.memory', api, envelope.id);
    const queued: Queued = { record, trace: span && contextOf(span), checked: checkedAgainst(envelope) };
    span?.end(); // in process, sent is enqueued
    for (const member of this.fanout.get(api) ?? []) {
      member.queue.push(queued);
      member.queued += 1;
      if (!member.draining) member.draining = this.track(this.drain(api, member));
    }
    const group = this.groups.get(api);
    if (group) {
      if (group.workers.length === 0 && group.queue.length >= this.maxPending) {
        this.report(new Error(`no work subscriber for ${api}: ${this.maxPending} envelopes pending`), envelope, api);
        return;
      }
      group.queue.push({ ...queued, attempts: 0 });
      this.track(nextTurn().then(() => this.pump(api, group)));
    }
  }

  async subscribe(api: ApiName, mode: SubscriptionMode, handler: EnvelopeHandler): Promise<Subscription> {
    if (this.closed) throw new Error(`MemoryBus is closed: cannot subscribe to ${api}`);
    return mode === 'fanout' ? this.subscribeFanout(api, handler) : this.subscribeWork(api, handler);
  }

  async settled(api: ApiName): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const member of this.fanout.get(api) ?? []) {
      if (member.handled >= member.queued) continue;
      const until = member.queued;
      waits.push(new Promise((resolve) => member.waiters.push({ until, resolve })));
    }
    await Promise.all(waits);
  }

  async ready(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    // Flush: drains may start further runs (retries, next envelopes), so wait until none is left.
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    for (const [api, group] of this.groups) {
      for (const item of group.queue.splice(0)) {
        this.report(new Error(`MemoryBus closed with no work subscriber for ${api}`), parse(item.record), api);
      }
      group.workers.forEach((worker) => (worker.closed = true));
      group.workers = [];
    }
    for (const members of this.fanout.values()) {
      members.forEach((member) => {
        member.closed = true;
        release(member, Infinity);
      });
    }
    this.fanout.clear();
  }

  private subscribeFanout(api: ApiName, handler: EnvelopeHandler): Subscription {
    const member: FanoutMember = { handler, closed: false, queue: [], draining: undefined, queued: 0, handled: 0, waiters: [] };
    const members = this.fanout.get(api) ?? new Set<FanoutMember>();
    this.fanout.set(api, members.add(member));
    return {
      close: async () => {
        member.closed = true;
        member.queue.length = 0;
        members.delete(member);
        release(member, Infinity); // nothing more will be handled
        await member.draining; // an in-flight handler finishes before close resolves
      },
    };
  }

  private subscribeWork(api: ApiName, handler: EnvelopeHandler): Subscription {
    // The group outlives its members, like a Kafka consumer group: work published while it has
    // no member waits for the next one.
    let group = this.groups.get(api);
    if (!group) this.groups.set(api, (group = { queue: [], workers: [], next: 0 }));
    const worker: Worker = { handler, closed: false, running: undefined };
    group.workers.push(worker);
    const joined = group;
    if (group.queue.length > 0) this.track(nextTurn().then(() => this.pump(api, joined)));
    return {
      close: async () => {
        // The last member finishes the work already accepted first: in-process, nobody else would
        // (a gateway stops its API modules, and so their subscriptions, before it closes the bus).
        while (joined.workers.length === 1 && (worker.running || joined.queue.length > 0)) {
          if (!worker.running) this.pump(api, joined);
          await worker.running;
        }
        worker.closed = true;
        joined.workers = joined.workers.filter((w) => w !== worker);
        await worker.running;
      },
    };
  }

  private async drain(api: ApiName, member: FanoutMember): Promise<void> {
    await nextTurn(); // never inside publish's call stack
    while (member.queue.length > 0 && !member.closed) {
      const queued = member.queue.shift() as Queued;
      const envelope = copyOf(queued);
      try {
        await consumeInContext('switchyard.memory', api, envelope.id, queued.trace, () => member.handler(envelope));
      } catch (error) {
        this.report(error, envelope, api); // live delivery is best effort: log and go on
      }
      release(member, ++member.handled);
    }
    member.draining = undefined;
  }

  /** Hands queued envelopes to idle workers, round robin. */
  private pump(api: ApiName, group: WorkGroup): void {
    while (group.queue.length > 0) {
      const worker = this.nextIdle(group);
      if (!worker) return;
      const item = group.queue.shift() as WorkItem;
      worker.running = this.track(this.run(api, group, worker, item));
    }
  }

  private nextIdle(group: WorkGroup): Worker | undefined {
    const count = group.workers.length;
    for (let i = 0; i < count; i++) {
      const worker = group.workers[(group.next + i) % count];
      if (!worker.running && !worker.closed) {
        group.next = (group.next + i + 1) % count;
        return worker;
      }
    }
    return undefined;
  }

  private async run(api: ApiName, group: WorkGroup, worker: Worker, item: WorkItem): Promise<void> {
    await nextTurn();
    for (;;) {
      if (worker.closed) {
        group.queue.unshift(item); // the worker left: another member gets the envelope
        break;
      }
      const envelope = copyOf(item);
      item.attempts += 1;
      try {
        await consumeInContext('switchyard.memory', api, envelope.id, item.trace, () => worker.handler(envelope));
        break;
      } catch (error) {
        // A dead letter is final: retrying cannot make it valid.
        if (error instanceof DeadLetterError || item.attempts >= this.maxAttempts) {
          this.report(error, envelope, api);
          break;
        }
        await sleep(this.retryDelayMs * item.attempts);
      }
    }
    worker.running = undefined;
    this.pump(api, group);
  }

  private track(promise: Promise<void>): Promise<void> {
    const tracked = promise.finally(() => this.active.delete(tracked));
    this.active.add(tracked);
    return tracked;
  }

  private report(error: unknown, envelope: Envelope, api: ApiName): void {
    try {
      if (this.options.onError) this.options.onError(error, envelope, api);
      else console.error(`[memory-bus] ${api} envelope ${envelope.id} failed:`, error);
    } catch {
      // A faulty error callback must not break delivery.
    }
  }
}

/** Resolves the settled() waits of a member that has handled `handled` envelopes. */
function release(member: FanoutMember, handled: number): void {
  if (member.waiters.length === 0) return;
  const still = member.waiters.filter((w) => w.until > handled);
  for (const w of member.waiters) if (w.until <= handled) w.resolve();
  member.waiters = still;
}

function parse(record: string): Envelope {
  return JSON.parse(record) as Envelope;
}

/** A handler's own copy of a queued envelope, with the publisher's check mark. */
function copyOf(queued: Queued): Envelope {
  const envelope = parse(queued.record);
  if (queued.checked) markChecked(envelope, queued.checked);
  return envelope;
}
