// A fetch whose connections only go where the AddressPolicy allows, checked at connect time on the
// address actually connected to: a name is resolved by the connection's own lookup (so a DNS answer
// that changed since registration, or changes between two lookups, is checked as used), and an IP
// literal, which needs no lookup, is checked before connecting. Built on undici (the fetch Node
// ships), whose Agent takes the connector; its `fetch` is used with it so the two always match.
// Redirects are the caller's business: the webhook deliverer asks for `redirect: 'manual'`.
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { AddressRefusedError, unbracket, type AddressPolicy } from './address-policy';

export interface GuardedFetch {
  fetch: typeof fetch;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/** `onRefused` is told of every connection refused (for a metric and a log line). */
export function guardedFetch(policy: AddressPolicy, onRefused: (err: AddressRefusedError) => void = () => undefined): GuardedFetch {
  const refuse = (err: unknown): void => {
    if (err instanceof AddressRefusedError) onRefused(err);
  };
  // net.connect's lookup hook: called with `all: true` when it tries several addresses in turn
  // (autoSelectFamily, the default since Node 20), else for one address.
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    policy.allowedAddresses(hostname).then(
      (allowed) => (options.all ? callback(null, allowed) : callback(null, allowed[0].address, allowed[0].family)),
      (err: Error) => {
        refuse(err);
        callback(err, '');
      },
    );
  };
  const connector = buildConnector({ lookup });
  const agent = new Agent({
    connect(options, callback) {
      const literal = unbracket(options.hostname);
      if (isIP(literal) !== 0 && !policy.allows(literal)) {
        const err = new AddressRefusedError(literal, literal);
        refuse(err);
        return callback(err, null);
      }
      connector(options, callback);
    },
  });
  const guarded = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent });
  return { fetch: guarded as unknown as typeof fetch, close: () => agent.close() };
}
