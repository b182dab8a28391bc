// Loading @platformatic/kafka (KAFKA_CLIENT=platformatic): the start-up error on a Node it does not run
// on (which Nodes those are: config.test.ts).
import { loadPlatformaticKafka } from '../src/bus/platformatic-kafka';

describe('loadPlatformaticKafka', () => {
  it('refuses an unsupported Node, saying which Node it needs and what to use instead', () => {
    expect(() => loadPlatformaticKafka('20.20.2')).toThrow(
      'KAFKA_CLIENT=platformatic needs Node >= 22.22 or >= 24.6 (@platformatic/kafka 2); this is Node 20.20.2. Use KAFKA_CLIENT=kafkajs (the default) on this Node, or a current Node LTS.',
    );
  });
});
