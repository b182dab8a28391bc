// The @platformatic/kafka Kafka bus (KAFKA_CLIENT=platformatic), against a real Kafka broker: the
// same suites as the kafkajs bus (test/shared/kafka-bus-suite.ts). The client needs Node >= 22.22:
// on an older Node this file says so and skips (CI runs it in its Node 24 step, .ci/run).
import { PlatformaticKafkaBus } from '../src/bus/platformatic-kafka-bus';
import { platformaticSupports } from '../src/config';
import { kafkaBusSuite } from './shared/kafka-bus-suite';
import { describeWithKafka } from './services/services';

jest.setTimeout(120_000);

if (platformaticSupports(process.versions.node)) {
  describeWithKafka('PlatformaticKafkaBus', (brokers) => {
    kafkaBusSuite('platformatic', brokers, (options) => new PlatformaticKafkaBus(options));
  });
} else {
  // eslint-disable-next-line no-console
  console.warn(`Skipping "PlatformaticKafkaBus": @platformatic/kafka needs Node >= 22.22 or >= 24.6, this is Node ${process.versions.node} (run it with bash scripts/node-lts.sh -- npx jest ${__filename.split('/').slice(-2).join('/')})`);
  describe.skip('PlatformaticKafkaBus (needs Node >= 22.22)', () => {
    it('runs the Kafka bus suites', () => undefined);
  });
}
