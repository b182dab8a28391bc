// Availability: one report per outage and per recovery, however many attempts fail or succeed.
import { Availability, DependencyUnavailableError, isUnavailable } from '../src/ports/availability';

function recorder() {
  const reports: string[] = [];
  return { reports, listener: { down: (reason: string) => reports.push(`down: ${reason}`), up: (ms: number | undefined) => reports.push(ms === undefined ? 'up' : 'up again') } };
}

describe('Availability', () => {
  it('is neither up nor down until the first success or failure', () => {
    const a = new Availability();
    expect([a.up, a.down]).toEqual([false, false]);
  });

  it('reports the first connection, then each outage and recovery once', () => {
    const { reports, listener } = recorder();
    const a = new Availability(listener);
    a.succeeded();
    a.succeeded();
    for (let attempt = 0; attempt < 16; attempt++) a.failed(new Error('connect ECONNREFUSED'));
    expect(a.down).toBe(true);
    a.succeeded();
    a.succeeded();
    expect(a.up).toBe(true);
    expect(reports).toEqual(['up', 'down: connect ECONNREFUSED', 'up again']);
  });

  it('reports a dependency that is down from the start as an outage', () => {
    const { reports, listener } = recorder();
    const a = new Availability(listener);
    a.failed('no route');
    a.succeeded();
    expect(reports).toEqual(['down: no route', 'up again']);
  });

  it('says the time it was down', () => {
    const downFor: Array<number | undefined> = [];
    const a = new Availability({ down: () => undefined, up: (ms) => downFor.push(ms) });
    a.failed(new Error('x'));
    a.succeeded();
    expect(downFor).toEqual([expect.any(Number)]);
    expect(downFor[0]).toBeGreaterThanOrEqual(0);
  });

  it('reports nothing after close (a shutdown is no outage)', () => {
    const { reports, listener } = recorder();
    const a = new Availability(listener);
    a.succeeded();
    a.close();
    a.failed(new Error('Connection is closed.'));
    expect(reports).toEqual(['up']);
    expect(a.up).toBe(false);
  });
});

describe('isUnavailable', () => {
  it('finds a DependencyUnavailableError itself or among the causes', () => {
    const outage = new DependencyUnavailableError('store', 'Redis: Connection is closed.');
    expect(isUnavailable(outage)).toBe(true);
    expect(isUnavailable(new Error('handler failed', { cause: new Error('retry', { cause: outage }) }))).toBe(true);
    expect(isUnavailable(new Error('bug'))).toBe(false);
    expect(isUnavailable('text')).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });
});
