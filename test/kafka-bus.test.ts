// The kafkajs Kafka bus, against a real Kafka broker: the Bus contract suite and what only Kafka has
// (test/shared/kafka-bus-suite.ts).
import { KafkaBus } from '../src/bus/kafka-bus';
import { kafkaBusSuite } from './shared/kafka-bus-suite';
import { describeWithKafka } from './services/services';

jest.setTimeout(120_000);

describeWithKafka('KafkaBus', (brokers) => {
  kafkaBusSuite('kafka', brokers, (options) => new KafkaBus(options));
});
