// What the primary and its workers tell each other (src/cluster/): the worker's place, passed in
// its environment; over the IPC channel, when a started worker may listen, and /metrics asked of
// the primary.

/** Environment variables the primary sets for a worker; removed before the configuration is read. */
export const WORKER_INDEX = 'SWITCHYARD_WORKER_INDEX';
export const WORKER_GROUP = 'SWITCHYARD_WORKER_GROUP';

/** Worker -> primary: started (bus, store, subscriptions), ready to take connections. */
export const LISTEN_REQUEST = 'switchyard:listen-request';
/** Primary -> worker: listen now. */
export const LISTEN_GRANT = 'switchyard:listen-grant';

export interface ListenMessage {
  type: typeof LISTEN_REQUEST | typeof LISTEN_GRANT;
}

export const METRICS_REQUEST = 'switchyard:metrics';
export const METRICS_REPLY = 'switchyard:metrics-reply';

export interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}

export interface MetricsReply {
  type: typeof METRICS_REPLY;
  id: number;
  text?: string;
  error?: string;
}

/** This worker's index and process group, taken out of the environment; undefined in a lone process. */
export function takeWorkerPlace(env: NodeJS.ProcessEnv): { index: number; group: string } | undefined {
  const index = env[WORKER_INDEX];
  const group = env[WORKER_GROUP];
  delete env[WORKER_INDEX];
  delete env[WORKER_GROUP];
  return index === undefined || group === undefined ? undefined : { index: Number(index), group };
}
