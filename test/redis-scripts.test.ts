// Each Lua script of the Redis store run on its own against a real Redis, for what the shared port
// suites reach only through the store: the stored JSON text kept byte for byte, the dedupe keys,
// owner checks of the leases, and a window counter that lost its expiry.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import * as scripts from '../src/store/redis-scripts';
import { describeWithRedis } from './services/services';

describeWithRedis('redis-scripts against real Redis', (url) => {
  const redis = new Redis(url);
  const run = (script: string, keys: string[], ...args: Array<string | number>) => redis.eval(script, keys.length, ...keys, ...args.map(String));
  let p: string;
  beforeEach(() => {
    p = `scripts-test:${randomUUID()}:`;
  });
  afterAll(() => redis.quit());

  describe('APPEND_TO_LOG', () => {
    const entry = (json: string) => json.slice(0, -1); // the text without its closing brace, as the store passes it

    it('appends the text as it is with the next id last; never decodes it (empty arrays, long numbers, unicode)', async () => {
      const text = JSON.stringify({ data: [], n: 12345678901234567, s: 'ü\u2028"' });
      expect(await run(scripts.APPEND_TO_LOG, [`${p}seq`, `${p}log`, ''], entry(text), 60)).toBe(`${entry(text)},"id":1}`);
      expect(await run(scripts.APPEND_TO_LOG, [`${p}seq`, `${p}log`, ''], entry('{"a":1}'), 60)).toBe('{"a":1,"id":2}');
      expect(await redis.lrange(`${p}log`, 0, -1)).toEqual([`${entry(text)},"id":1}`, '{"a":1,"id":2}']);
      expect(JSON.parse((await redis.lindex(`${p}log`, 0))!)).toEqual({ data: [], n: 12345678901234567, s: 'ü\u2028"', id: 1 });
    });

    it('an id past 2^31 is written as an integer, not in exponent notation', async () => {
      await redis.set(`${p}seq`, '99999999999');
      expect(await run(scripts.APPEND_TO_LOG, [`${p}seq`, `${p}log`, ''], '{"a":1', 60)).toBe('{"a":1,"id":100000000000}');
    });

    it('with a dedupe key: the same key answers the entry stored first and appends nothing; the key expires', async () => {
      const keys = [`${p}seq`, `${p}log`, `${p}dedupe`];
      expect(await run(scripts.APPEND_TO_LOG, keys, '{"a":1', 30)).toBe('{"a":1,"id":1}');
      expect(await run(scripts.APPEND_TO_LOG, keys, '{"a":2', 30)).toBe('{"a":1,"id":1}');
      expect(await redis.llen(`${p}log`)).toBe(1);
      expect(await redis.ttl(`${p}dedupe`)).toBeGreaterThan(0);
    });
  });

  it('ENQUEUE: once per dedupe key while it lives; always without one', async () => {
    expect(await run(scripts.ENQUEUE, [`${p}q`, `${p}k`], 'a', 30)).toBe(1);
    expect(await run(scripts.ENQUEUE, [`${p}q`, `${p}k`], 'a again', 30)).toBe(0);
    expect(await run(scripts.ENQUEUE, [`${p}q`, ''], 'b', 30)).toBe(1);
    expect(await run(scripts.ENQUEUE, [`${p}q`, ''], 'b', 30)).toBe(1);
    expect(await redis.lrange(`${p}q`, 0, -1)).toEqual(['a', 'b', 'b']);
  });

  it("COMPARE_AND_SET: '' expects the key absent; otherwise the exact text", async () => {
    expect(await run(scripts.COMPARE_AND_SET, [`${p}cas`], '{"v":0}', '{"v":1}')).toBe(0); // absent is not any value
    expect(await redis.exists(`${p}cas`)).toBe(0);
    expect(await run(scripts.COMPARE_AND_SET, [`${p}cas`], '', '{"v":1}')).toBe(1);
    expect(await run(scripts.COMPARE_AND_SET, [`${p}cas`], '', '{"v":2}')).toBe(0);
    expect(await run(scripts.COMPARE_AND_SET, [`${p}cas`], '{"v": 1}', '{"v":2}')).toBe(0);
    expect(await run(scripts.COMPARE_AND_SET, [`${p}cas`], '{"v":1}', '{"v":2}')).toBe(1);
    expect(await redis.get(`${p}cas`)).toBe('{"v":2}');
  });

  it('PRESENCE: drops members expired by now, adds or removes one, keeps the set for ttl, counts', async () => {
    const z = `${p}presence`;
    expect(await run(scripts.PRESENCE, [z], 'alice', 1000, 5000, 60_000)).toBe(1);
    expect(await run(scripts.PRESENCE, [z], 'bob', 1000, 3000, 60_000)).toBe(2);
    // At 3000 bob's entry (expiring at 3000) is gone.
    expect(await run(scripts.PRESENCE, [z], 'carol', 3000, 9000, 60_000)).toBe(2);
    expect(await redis.zrange(z, '0', '-1')).toEqual(['alice', 'carol']);
    expect(await run(scripts.PRESENCE, [z], 'alice', 3000, '', 60_000)).toBe(1);
    expect(await redis.pttl(z)).toBeGreaterThan(50_000);
  });

  describe('leased jobs', () => {
    const keys = () => [`${p}due`, `${p}jobs`, `${p}owners`, `${p}attempts`];
    const add = (id: string, json: string, lease: number) => run(scripts.ADD_LEASED_JOB, [...keys(), `${p}seq`, `${p}id:${id}`], json, 'node-a', lease, 60);

    it('ADD: a zero-padded key per job, held by its adder; the same id again adds nothing', async () => {
      expect(await add('1', '{"j":1}', 60_000)).toBe('0000000000000001');
      expect(await add('1', '{"j":1}', 60_000)).toBeNull();
      expect(await add('2', '{"j":2}', 60_000)).toBe('0000000000000002');
      expect(await redis.hgetall(`${p}owners`)).toEqual({ '0000000000000001': 'node-a', '0000000000000002': 'node-a' });
      expect(await redis.hget(`${p}attempts`, '0000000000000001')).toBe('0');
    });

    it('CLAIM: only jobs whose lease ran out, oldest first, up to the limit, with their attempts; the claimer holds them', async () => {
      await add('1', '{"j":1}', 0);
      await add('2', '{"j":2}', 60_000);
      await add('3', '{"j":3}', 0);
      await add('4', '{"j":4}', 0);
      expect(await run(scripts.CLAIM_LEASED_JOBS, keys(), 'node-b', 60_000, 2)).toEqual(['0000000000000001', '{"j":1}', '0', '0000000000000003', '{"j":3}', '0']);
      expect(await redis.hget(`${p}owners`, '0000000000000001')).toBe('node-b');
      expect(await redis.hget(`${p}owners`, '0000000000000002')).toBe('node-a');
      // Claimed ones are leased again: the next claim takes what is left.
      expect(await run(scripts.CLAIM_LEASED_JOBS, keys(), 'node-c', 60_000, 10)).toEqual(['0000000000000004', '{"j":4}', '0']);
    });

    it('HOLD and FINISH: only by the holder; FINISH removes every trace', async () => {
      const key = (await add('1', '{"j":1}', 0)) as string;
      await run(scripts.CLAIM_LEASED_JOBS, keys(), 'node-b', 60_000, 10);
      expect(await run(scripts.HOLD_LEASED_JOB, keys(), key, 'node-a', 60_000, 3)).toBe(0);
      expect(await run(scripts.HOLD_LEASED_JOB, keys(), key, 'node-b', 60_000, 3)).toBe(1);
      expect(await redis.hget(`${p}attempts`, key)).toBe('3');
      expect(await run(scripts.FINISH_LEASED_JOB, keys(), key, 'node-a')).toBe(0);
      expect(await run(scripts.FINISH_LEASED_JOB, keys(), key, 'node-b')).toBe(1);
      for (const k of keys()) expect(await redis.exists(k)).toBe(0);
      expect(await run(scripts.FINISH_LEASED_JOB, keys(), key, 'node-b')).toBe(0);
    });
  });

  it('HIT: counts within a window that closes; a window that lost its expiry gets one again', async () => {
    const w = `${p}window`;
    const [first, ttl] = (await run(scripts.HIT, [w], 10_000)) as [number, number];
    expect(first).toBe(1);
    expect(ttl).toBeGreaterThan(9000);
    expect(((await run(scripts.HIT, [w], 10_000)) as number[])[0]).toBe(2);
    await redis.persist(w);
    const [third, rearmed] = (await run(scripts.HIT, [w], 10_000)) as [number, number];
    expect(third).toBe(3);
    expect(rearmed).toBe(10_000);
    expect(await redis.pttl(w)).toBeGreaterThan(9000);
  });
});
