// How many connections each audience has on this node right now (a pizza store, a games
// subscription, a workspace room, a messenger user or an events channel waiting in a long poll),
// read in-process from each API's own bookkeeping when the console asks. A Prometheus label per
// audience would be one time series per store or user; this costs nothing until it is read.
export type AudienceKind = 'sockets' | 'long polls';

export interface AudienceCount {
  audience: string;
  count: number;
}

export interface ApiAudiences {
  api: string;
  kind: AudienceKind;
  /** Audiences with at least one connection. */
  audiences: number;
  /** Their connections added up (a socket in two groups counts twice). */
  connections: number;
  /** The largest audiences, largest first. */
  largest: AudienceCount[];
}

type Read = () => Iterable<readonly [string, number]>;

/** Per-audience counts kept here, for what has no bookkeeping of its own (waiting long polls). */
export class AudienceCounter {
  private readonly counts = new Map<string, number>();

  enter(audience: string): void {
    this.counts.set(audience, (this.counts.get(audience) ?? 0) + 1);
  }

  leave(audience: string): void {
    const left = (this.counts.get(audience) ?? 0) - 1;
    if (left > 0) this.counts.set(audience, left);
    else this.counts.delete(audience);
  }

  entries(): Iterable<readonly [string, number]> {
    return this.counts.entries();
  }
}

export class Audiences {
  private readonly sources: Array<{ api: string; kind: AudienceKind; read: Read }> = [];

  /** `read` lists the audiences of `api` with their current connection counts. */
  register(api: string, kind: AudienceKind, read: Read): void {
    this.sources.push({ api, kind, read });
  }

  /** A counter registered for `api`. */
  counter(api: string, kind: AudienceKind): AudienceCounter {
    const counter = new AudienceCounter();
    this.register(api, kind, () => counter.entries());
    return counter;
  }

  /** Every registered source, with its `top` largest audiences. */
  snapshot(top: number): ApiAudiences[] {
    return this.sources.map(({ api, kind, read }) => {
      const all: AudienceCount[] = [];
      let connections = 0;
      for (const [audience, count] of read()) {
        if (count <= 0) continue;
        all.push({ audience, count });
        connections += count;
      }
      all.sort((a, b) => b.count - a.count || (a.audience < b.audience ? -1 : 1));
      return { api, kind, audiences: all.length, connections, largest: all.slice(0, top) };
    });
  }
}
