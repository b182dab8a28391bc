// What the parent and its children say to each other. Servers print `{"port": N}` on stdout (the
// one thing a human would also want to see); everything else travels over the IPC channel.
import type { Scenario } from './options';

export type Target = 'switchyard' | 'bare-ws';

/** Given to the load generator as its one argument (JSON). */
export interface LoadPlan {
  target: Target;
  scenario: Scenario;
  port: number;
  clients: number;
  events: number;
  rate: number;
  latencySeconds: number;
  warmup: number;
  concurrency: number;
}

export type Phase = 'connect' | 'warmup' | 'throughput' | 'latency';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Bytes of one delivered broadcast frame, as the client received it. */
  frameBytes: number;
  connectMs: number;
  throughput: { deliveries: number; elapsedMs: number; deliveriesPerSec: number };
  latency: LatencySummary;
}

/** Load generator -> parent. `progress.done` moving is what keeps the stall watchdog quiet. */
export type LoadMessage =
  | { type: 'phase'; phase: Phase; state: 'start' | 'end' }
  | { type: 'progress'; phase: Phase; done: number; total: number }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; message: string };

/** Parent -> server: profile exactly the throughput phase, not connection set-up. */
export type ServerCommand = { type: 'profile-start' } | { type: 'profile-stop'; file: string };
export type ServerReply = { type: 'profile-written'; file: string } | { type: 'profile-error'; message: string };
