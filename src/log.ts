// One pino logger per process (or per test), configured from Config.
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/** `destination` lets tests capture lines; by default pino writes JSON to stdout. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'switchyard' },
    // ISO 8601 rather than epoch milliseconds: readable as is, and log collectors parse it.
    timestamp: pino.stdTimeFunctions.isoTime,
    // Belt and braces: bearer tokens must not reach logs even if a request is logged whole.
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token'], censor: '<redacted>' },
  };
  return destination !== undefined ? pino(options, destination) : pino(options);
}
