// The short report of `switchyard verify`.
import { report } from '../src/pact-verification/report';
import type { Verification } from '../src/pact-verification/verify';

const verification = (v: Partial<Verification>): Verification =>
  ({ passed: true, pacts: [], specProblems: [], failures: [], pending: [], pendingSpecProblems: [], ...v }) as Verification;

it('a passing run: each pact with its interactions, then the total', () => {
  const v = verification({ pacts: [{ name: 'shop-pizza', interactions: 2 }, { name: 'app-games', interactions: 1 }] });
  expect(report(v, './pacts')).toBe(
    [
      'Verified 2 pacts from ./pacts against a throwaway Switchyard:',
      '  shop-pizza: 2 interactions',
      '  app-games: 1 interaction',
      '',
      'OK: all 3 interactions pass.',
      '',
    ].join('\n'),
  );
});

it('no pacts: says so', () => {
  expect(report(verification({}), 'the broker')).toBe(['Verified 0 pacts from the broker against a throwaway Switchyard:', '  no pacts found', '', 'OK: all 0 interactions pass.', ''].join('\n'));
});

it('a failing run: each failing interaction once, its spec objections before its provider mismatches, then the count', () => {
  const v = verification({
    passed: false,
    pacts: [{ name: 'shop-pizza', interactions: 3 }],
    failures: [
      { interaction: 'a pizza is created', problems: ['status 500, expected 202'] },
      { interaction: 'a pizza is accepted', problems: ['body differs'] },
    ],
    specProblems: [{ interaction: 'a pizza is created', problems: ['/data/size: must be integer', 'unknown message'] }],
  });
  expect(report(v, 'p.json')).toBe(
    [
      'Verified 1 pact from p.json against a throwaway Switchyard:',
      '  shop-pizza: 3 interactions',
      '',
      'FAILED a pizza is created',
      '  spec: /data/size: must be integer',
      '  spec: unknown message',
      '  provider: status 500, expected 202',
      '',
      'FAILED a pizza is accepted',
      '  provider: body differs',
      '',
      'FAILED: 2 of 3 interactions fail.',
      '',
    ].join('\n'),
  );
});

it('pending failures are listed apart and do not fail the run', () => {
  const v = verification({
    pacts: [{ name: 'new-consumer', interactions: 2 }],
    pending: [{ interaction: 'x', problems: ['status 404'] }],
    pendingSpecProblems: [{ interaction: 'y', problems: ['not in the spec'] }],
  });
  expect(report(v, 'broker')).toBe(
    [
      'Verified 1 pact from broker against a throwaway Switchyard:',
      '  new-consumer: 2 interactions',
      '',
      'PENDING (does not fail the run) y',
      '  spec: not in the spec',
      '',
      'PENDING (does not fail the run) x',
      '  provider: status 404',
      '',
      'OK: all 2 interactions pass.',
      '',
    ].join('\n'),
  );
});
