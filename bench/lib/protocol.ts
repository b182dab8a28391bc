// What the parent and its children say to each other. Servers print `{"port": N}` on stdout (the
// one thing a human would also want to see); everything else travels over the IPC channel.
import type { Scenario } from './options';
import type { GamesEvent } from './payloads';
import type { LatencyFigures } from './stats';

/** Servers of the fan-out and connection scenarios: switchyard, a bare baseline, or the peer Centrifugo. */
export type Target = 'switchyard' | 'bare-ws' | 'bare-socketio' | 'centrifugo';

/** Given to the fan-out load generator (clients/fanout-clients.ts) as its one argument (JSON). */
export interface LoadPlan {
  target: Target;
  scenario: Scenario;
  /** The games broadcast published and subscribed to (default `update`). */
  gamesEvent?: GamesEvent;
  port: number;
  clients: number;
  events: number;
  rate: number;
  /** 0: no latency phase (its figures are then empty). */
  latencySeconds: number;
  warmup: number;
  concurrency: number;
  /**
   * Events per publish request in the throughput phase: 1 (default) publishes each event on its
   * own; more sends them as batch publishes (switchyard's /publish/v1/{api}/batch, Centrifugo's
   * /api/batch, the bare server's /publish-batch). The latency phase always publishes one by one.
   */
  batch?: number;
  /**
   * `fanout` (default): connect, warm up, throughput, latency. `connect`: connect `baseClients`,
   * checkpoint `base`, connect `clients` more (timed), checkpoint `connected`, report, stay idle.
   */
  mode?: 'fanout' | 'connect';
  baseClients?: number;
  /** Handshakes in flight while connecting (default 50). */
  connectInFlight?: number;
}

export type Phase = string;

export interface LatencySummary extends LatencyFigures {
  /**
   * Median over the published events of each one's first delivery, ms: the server's own part of a
   * fan-out's latency. The rest of an event's deliveries come as the load generator reads them.
   */
  first?: number | null;
  /** The load generator's own garbage collections during the phase. */
  loadGc?: LoadCollections;
}

/** A load generator's garbage collection pauses: full (mark-compact) and the rest (mostly scavenges). */
export interface LoadCollections {
  full: number;
  fullMs: number;
  other: number;
  otherMs: number;
}

export interface LoadResult {
  /** Bytes of one delivered broadcast frame, as the client received it. */
  frameBytes: number;
  connectMs: number;
  /** `latency`: publish to receive of a sample of the clients (Deliveries), while the server is saturated. */
  throughput: { deliveries: number; elapsedMs: number; deliveriesPerSec: number; latency: LatencyFigures };
  latency: LatencySummary;
}

/**
 * Load generator -> parent. `progress.done` moving is what keeps the stall watchdog quiet. A
 * `checkpoint` pauses the load generator until the parent answers `go` (after reading the server's
 * memory, for instance).
 */
export type LoadMessage<R = unknown> =
  | { type: 'phase'; phase: Phase; state: 'start' | 'end' }
  | { type: 'progress'; phase: Phase; done: number; total: number }
  | { type: 'checkpoint'; name: string }
  | { type: 'result'; result: R }
  | { type: 'error'; message: string };

/** Parent -> load generator. */
export type LoadCommand = { type: 'go' };

/** What a server child reports of its memory, after a full GC when it runs with --expose-gc. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  gc: boolean;
}

/** Parent -> server: profile exactly one phase (not connection set-up); report memory. */
/** `v8`: the in-process CPU profiler (.cpuprofile); `perf`: Linux perf record of the process (perf.data). */
export type ProfileTool = 'v8' | 'perf';
export type ServerCommand = { type: 'profile-start'; tool: ProfileTool; file: string } | { type: 'profile-stop' } | { type: 'memory'; snapshotFile?: string };
export type ServerReply =
  | { type: 'profile-written'; file: string }
  | { type: 'profile-error'; message: string }
  | { type: 'memory'; memory: MemorySample };
