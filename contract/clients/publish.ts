// Client of the publish API (specs/gateway.openapi.yaml): back-end services hand Switchyard an event
// for one API's clients. `message`, `to` and `data` are typed by the message's spec.
// Both come from the generated catalogues, so a message added to a spec is publishable here at once.
import type { components } from '../../generated/gateway/openapi';
import type { Publishable, PublishAudiences } from '../../generated';
import { expectShape, send, type ClientOptions } from './http';

export type { Publishable, PublishAudiences };

export type ValidationError = components['schemas']['ValidationError'];

/** 401 (no valid token), 403 (no `publish` scope), 404 (unknown api or message), 422 (invalid). */
export class PublishError extends Error {
  constructor(readonly status: number, message: string, readonly errors: ValidationError[] = []) {
    super(message);
    this.name = 'PublishError';
  }
}

export interface PublisherOptions extends ClientOptions {
  /** A JWT carrying scope `publish`. */
  token: string;
}

export class Publisher {
  constructor(private readonly options: PublisherOptions) {}

  /** Resolves with the envelope id once the event is on the bus (202). */
  async publish<A extends keyof Publishable, M extends keyof Publishable[A] & string>(
    api: A,
    message: M,
    to: PublishAudiences[A][M & keyof PublishAudiences[A]],
    data: Publishable[A][M],
  ): Promise<string> {
    const answer = await send(this.options, `/publish/v1/${encodeURIComponent(api)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.token}` },
      json: { message, to, data },
    });
    if (answer.status === 202) return expectShape<{ id: string }>('202 answer', answer.body, { id: 'string' }).id;
    throw failure(answer.status, answer.body);
  }

  /**
   * Publishes up to 1,000 envelopes in one request; resolves with each one's result, in order
   * (`{status: 202, id}`, or the 404/422 a single publish of it would have had).
   */
  async publishBatch<A extends keyof Publishable>(api: A, events: Array<BatchEnvelope<A>>): Promise<BatchResult[]> {
    const answer = await send(this.options, `/publish/v1/${encodeURIComponent(api)}/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.token}` },
      json: { events },
    });
    if (answer.status === 200) return expectShape<{ results: BatchResult[] }>('200 answer', answer.body, { results: 'array' }).results;
    throw failure(answer.status, answer.body);
  }
}

export type BatchResult = components['schemas']['PublishBatchResult'];

/** One envelope of a batch: a message of `api` with its audience and data. */
export type BatchEnvelope<A extends keyof Publishable> = {
  [M in keyof Publishable[A] & string]: { message: M; to: PublishAudiences[A][M & keyof PublishAudiences[A]]; data: Publishable[A][M] };
}[keyof Publishable[A] & string];

function failure(status: number, body: unknown): PublishError {
  const error = expectShape<{ error: string; errors?: ValidationError[] }>(`${status} answer`, body, { error: 'string' });
  return new PublishError(status, error.error, error.errors ?? []);
}
