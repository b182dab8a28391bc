// What the two Kafka buses (kafkajs: kafka-bus.ts, @platformatic/kafka: platformatic-kafka-bus.ts)
// do alike with records, independent of the client library: the record key, reading a record's
// value into an envelope and handing it to the handler, and the wait of settled() for a fanout
// consumer to catch up.
import { deeperThan, tooDeep } from '../validation/json-depth';
import { consumeFromHeaders, type RecordHeaders } from '../tracing/spans';
import { DeadLetterError, type ApiName, type Envelope, type EnvelopeHandler, type SubscriptionMode } from '../ports/bus';

/** Record key: the audience value, so one audience's records stay in order on one partition. */
export function audienceKey(envelope: Envelope): string | null {
  const values = Object.values(envelope.to ?? {});
  return values.length ? String(values[0]) : null;
}

/**
 * A record's value as an envelope, or why it is none (a work consumer dead-letters it with that
 * reason). Checked before any handler reads it: handlers may assume an object, and validators,
 * encoders and the store recurse into it.
 */
export function readEnvelope(value: string | undefined, maxJsonDepth: number): { envelope: Envelope } | { unfit: string } {
  let envelope: unknown;
  try {
    envelope = JSON.parse(value ?? '');
  } catch {
    return { unfit: 'value is not valid JSON' };
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return { unfit: 'not a publish envelope {message, to, data}' };
  if (deeperThan(envelope, maxJsonDepth)) return { unfit: tooDeep(maxJsonDepth) };
  return { envelope: envelope as Envelope };
}

/** What a consumer of one subscription hands each record to. */
export interface RecordTarget {
  api: ApiName;
  mode: SubscriptionMode;
  topic: string;
  maxJsonDepth: number;
  handler: EnvelopeHandler;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
}

/**
 * Reads a record and runs the handler on it, in the consume span the record's headers continue.
 * Resolves when the record is done (dead-lettered, if a work record cannot be handled); rejects only
 * for a work record whose handler failed, to be tried again. Fanout handler failures are reported.
 */
export async function handleRecord(target: RecordTarget, value: string | undefined, headers: RecordHeaders | undefined, deadLetter: (reason: string) => Promise<void>): Promise<void> {
  const { api, mode, handler } = target;
  const read = readEnvelope(value, target.maxJsonDepth);
  if ('unfit' in read) {
    if (mode === 'work') await deadLetter(read.unfit);
    return;
  }
  const { envelope } = read;
  try {
    await consumeFromHeaders('kafka', target.topic, String(envelope.id), headers, () => handler(envelope));
  } catch (err) {
    if (err instanceof DeadLetterError && mode === 'work') return deadLetter(err.reason);
    if (mode === 'fanout') {
      target.onError?.(err, { api, mode, id: envelope.id, event: 'fanout handler failed' });
      return;
    }
    throw err; // work: tried again from this offset, nothing is committed past it
  }
}

/** A fanout consumer as settled() sees it: per partition, the offset after the last record handled. */
export interface HandledPositions {
  handled?: Map<number, bigint>;
  /** Checks run whenever `handled` moves. */
  waiters: Set<() => void>;
}

/**
 * Resolves once the consumer has handled every partition up to `ends` (the topic's end offsets
 * when settled() was called), or once `gone()` says it left.
 */
export function untilHandled(member: HandledPositions, ends: ReadonlyArray<readonly [partition: number, end: bigint]>, gone: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => gone() || ends.every(([partition, end]) => (member.handled?.get(partition) ?? -1n) >= end);
    const check = () => {
      if (!done()) return;
      member.waiters.delete(check);
      resolve();
    };
    member.waiters.add(check);
    check();
  });
}

/** Records that a handler has handled up to `offset` (exclusive) on `partition`, and runs the waiting checks. */
export function markHandled(member: HandledPositions, partition: number, offset: bigint): void {
  if (!member.handled) return;
  member.handled.set(partition, offset);
  if (member.waiters.size) for (const check of [...member.waiters]) check();
}

/** Ends every settled() wait on a consumer that is gone (their checks see it is no longer a member). */
export function release(member: HandledPositions): void {
  for (const check of [...member.waiters]) check();
}
