// Loading @platformatic/kafka (KAFKA_CLIENT=platformatic): which Node versions it runs on, and the
// start-up error on one it does not.
import { loadPlatformaticKafka, platformaticSupports } from '../src/bus/platformatic-kafka';

describe('platformaticSupports', () => {
  it.each([
    ['20.20.2', false],
    ['22.21.1', false],
    ['22.22.0', true],
    ['23.1.0', true],
    ['24.5.0', false],
    ['24.6.0', true],
    ['25.0.0', true],
  ])('Node %s: %s', (version, supported) => {
    expect(platformaticSupports(version)).toBe(supported);
  });
});

describe('loadPlatformaticKafka', () => {
  it('refuses an unsupported Node, saying which Node it needs and what to use instead', () => {
    expect(() => loadPlatformaticKafka('20.20.2')).toThrow(
      'KAFKA_CLIENT=platformatic needs Node >= 22.22 or >= 24.6 (@platformatic/kafka 2); this is Node 20.20.2. Use KAFKA_CLIENT=kafkajs (the default) on this Node, or a current Node LTS.',
    );
  });
});
