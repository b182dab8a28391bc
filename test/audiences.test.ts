// The per-audience counts the console's connections overview reads (src/apis/audiences.ts).
import { AudienceCounter, Audiences } from '../src/apis/audiences';

describe('AudienceCounter', () => {
  it('counts entries per audience and forgets an audience once its last one leaves', () => {
    const counter = new AudienceCounter();
    counter.enter('a');
    counter.enter('a');
    counter.enter('b');
    counter.leave('a');
    counter.leave('b');
    expect([...counter.entries()]).toEqual([['a', 1]]);
    counter.leave('a');
    counter.leave('a'); // one leave too many never goes below nothing
    expect([...counter.entries()]).toEqual([]);
  });
});

describe('Audiences', () => {
  it('reads every source when asked: audiences, connections and the largest first, cut to `top`', () => {
    const audiences = new Audiences();
    let stores: Array<[string, number]> = [['store:1', 2], ['store:2', 5], ['store:3', 1], ['store:4', 0]];
    audiences.register('pizza', 'sockets', () => stores);
    const polls = audiences.counter('events', 'long polls');
    polls.enter('news');

    expect(audiences.snapshot(2)).toEqual([
      { api: 'pizza', kind: 'sockets', audiences: 3, connections: 8, largest: [{ audience: 'store:2', count: 5 }, { audience: 'store:1', count: 2 }] },
      { api: 'events', kind: 'long polls', audiences: 1, connections: 1, largest: [{ audience: 'news', count: 1 }] },
    ]);
    // Live: read again at every snapshot.
    stores = [];
    polls.leave('news');
    expect(audiences.snapshot(2).map((a) => a.connections)).toEqual([0, 0]);
  });

  it('orders audiences of one size by name', () => {
    const audiences = new Audiences();
    audiences.register('games', 'sockets', () => [['b:1', 1], ['a:1', 1]]);
    expect(audiences.snapshot(5)[0].largest.map((a) => a.audience)).toEqual(['a:1', 'b:1']);
  });
});
