// The process's limit of open files. Every connection holds a file descriptor; past the limit the
// server can no longer accept anything, /healthz included. Node raises its soft limit to the hard
// one at start, so the soft limit read here is what the process really has.
import { readFileSync } from 'node:fs';

/** Realtime connections may use this share of the limit; the rest is for HTTP, Kafka, Redis, files. */
export const CONNECTION_SHARE = 0.8;

/** The soft limit from /proc/self/limits (Linux); undefined where unknown or unlimited. */
export function openFilesLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
}

/** WS_MAX_CONNECTIONS when unset, unless the open-files limit calls for fewer. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/**
 * The connection limit: the configured one as given (an operator's explicit choice), else
 * DEFAULT_MAX_CONNECTIONS lowered to CONNECTION_SHARE of the open-files limit when that is smaller.
 */
export function maxConnections(configured: number | undefined, openFiles: number | undefined): number {
  if (configured !== undefined) return configured;
  if (openFiles === undefined) return DEFAULT_MAX_CONNECTIONS;
  return Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, Math.floor(openFiles * CONNECTION_SHARE)));
}
