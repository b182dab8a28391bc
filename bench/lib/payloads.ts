// The events the bench publishes: the documented examples from the specs (the same shapes as
// test/helpers/examples.ts `gameSnapshot(pk)` and the pizza test's `pizza(storeId)`; the workspace's
// `media-state-updated`), with one string field carrying a marker `bench|<phase>|<seq>|<epoch ms>` so
// a client can tell warm-up, throughput and latency frames apart and compute publish-to-receive
// latency.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Scenario } from './options';

type Json = Record<string, unknown>;

const SPECS_DIR = join(__dirname, '..', '..', 'specs');

export function examplePayload(api: string, message: string): Json {
  const doc = parse(readFileSync(join(SPECS_DIR, `${api}.asyncapi.yaml`), 'utf8')) as Json;
  const messages = (doc.components as Json | undefined)?.messages as Record<string, Json> | undefined;
  const examples = messages?.[message]?.examples as Array<{ payload: Json }> | undefined;
  if (!examples?.[0]) throw new Error(`bench: no example for ${api} message ${message} in specs/`);
  return structuredClone(examples[0].payload);
}

/** The audience every client joins: game 1, store 1. */
export const AUDIENCE_ID = 1;
/** The workspace clients' room: the channel every client holds a `channels` claim for (bare: the room). */
export const BENCH_CHANNEL = 'bench-channel';
/** The workspace event the bench publishes: the largest one addressed to a channel room. */
export const WORKSPACE_EVENT = 'media-state-updated';

/**
 * The games broadcast a run publishes: `update` (the game snapshot, ~1.4 KB, what fanout.ts compares
 * with bare ws) or `join` (the Player, ~300 B: a frame the size of the pizza one, for peers that carry that).
 */
export type GamesEvent = 'update' | 'join';

/** Warm-up, throughput and latency (fan-out); soak. */
export type MarkPhase = 'w' | 't' | 'l' | 's';

const MARKER_PREFIX = 'bench|';

export function marker(phase: MarkPhase, seq: number, sentAtMs: number): string {
  return `${MARKER_PREFIX}${phase}|${seq}|${sentAtMs}`;
}

/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Builds event payloads for one scenario. The marker field is put first in key order so clients find
 * it within the first ~100 bytes of a frame; JSON key order carries no meaning, and every server here
 * keeps it as received.
 */
export class EventFactory {
  private readonly base: Json;
  /** Where the marker goes: a string field of `data` (or of its `user`, for a Player). */
  private readonly field: 'label' | 'name' | 'userId' | 'user.username';

  constructor(
    readonly scenario: Scenario,
    private readonly gamesEvent: GamesEvent = 'update',
  ) {
    if (scenario === 'games' && gamesEvent === 'join') {
      this.base = (examplePayload('games', 'join').payload as Json).data as Json;
      this.field = 'user.username';
    } else if (scenario === 'games') {
      const data = (examplePayload('games', 'update').payload as Json).data as Json;
      this.base = { ...data, id: AUDIENCE_ID, state: 'players_waiting', players: [] };
      this.field = 'label';
    } else if (scenario === 'pizza') {
      const data = examplePayload('pizza', 'CREATE_PIZZA').data as Json;
      this.base = { ...data, store_id: AUDIENCE_ID };
      this.field = 'name';
    } else {
      this.base = { ...examplePayload('workspace', WORKSPACE_EVENT), channelId: BENCH_CHANNEL };
      this.field = 'userId';
    }
  }

  /** The `data` of the published message (GameSnapshot or Player / Pizza / MediaStateUpdated). */
  data(mark: string): Json {
    if (this.field === 'user.username') {
      const { user, ...rest } = this.base;
      const { username: _replaced, ...profile } = user as Json;
      return { user: { username: mark, ...profile }, ...rest };
    }
    const { [this.field]: _replaced, ...rest } = this.base;
    return { [this.field]: mark, ...rest };
  }

  /** Body of POST /publish/v1/{games|pizza|workspace}. */
  switchyardEnvelope(mark: string): { message: string; to: Json; data: Json } {
    switch (this.scenario) {
      case 'games':
        return { message: this.gamesEvent, to: { pk: AUDIENCE_ID }, data: this.data(mark) };
      case 'pizza':
        return { message: 'CREATE_PIZZA', to: { store_id: AUDIENCE_ID }, data: this.data(mark) };
      default:
        return { message: WORKSPACE_EVENT, to: { channelId: BENCH_CHANNEL }, data: this.data(mark) };
    }
  }

  /**
   * The bare server's POST body. ws: the wire frame a client receives, key for key as switchyard
   * builds it. socket.io: `{event, data}`, which the bare server emits to its room.
   */
  frame(mark: string): Json {
    switch (this.scenario) {
      case 'games':
        return this.gamesEvent === 'join'
          ? { stream: 'games', payload: { action: 'join', pk: AUDIENCE_ID, data: this.data(mark), model: 'Player' } }
          : { stream: 'games', payload: { action: 'update', model: 'api.game', pk: AUDIENCE_ID, data: this.data(mark) } };
      case 'pizza':
        return { event_name: 'CREATE_PIZZA', data: this.data(mark) };
      default:
        return { event: WORKSPACE_EVENT, data: this.data(mark) };
    }
  }
}

const PREFIX_BYTES = Buffer.from(MARKER_PREFIX);
const QUOTE = 0x22;
const BAR = 0x7c;

export interface ParsedMark {
  phase: MarkPhase;
  seq: number;
  sentAtMs: number;
}

/** Only the phase of a frame's marker: the one thing the throughput phase needs per delivery. */
export function readPhase(frame: Buffer): MarkPhase | undefined {
  const at = frame.indexOf(PREFIX_BYTES);
  return at < 0 ? undefined : (String.fromCharCode(frame[at + PREFIX_BYTES.length]) as MarkPhase);
}

/** The marker in a received frame, read straight from the bytes (no JSON.parse per delivery). */
export function readMark(frame: Buffer): ParsedMark | undefined {
  const at = frame.indexOf(PREFIX_BYTES);
  if (at < 0) return undefined;
  const phaseAt = at + PREFIX_BYTES.length;
  const seqAt = phaseAt + 2;
  const seqEnd = frame.indexOf(BAR, seqAt);
  const end = frame.indexOf(QUOTE, seqEnd);
  if (seqEnd < 0 || end < 0) return undefined;
  return {
    phase: String.fromCharCode(frame[phaseAt]) as MarkPhase,
    seq: Number(frame.toString('latin1', seqAt, seqEnd)),
    sentAtMs: Number(frame.toString('latin1', seqEnd + 1, end)),
  };
}
