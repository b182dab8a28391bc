// Kafka topic names come from the specs' Kafka addresses; the configured prefix replaces the default.
import { API_NAMES } from '../generated';
import { kafkaTopic } from '../src/bus/topics';

it("is each API's Kafka address from its spec under the default prefix", () => {
  expect(API_NAMES.map((api) => kafkaTopic(api))).toEqual(['switchyard.events', 'switchyard.games', 'switchyard.messenger', 'switchyard.pizza', 'switchyard.workspace']);
});

it('puts a configured prefix in place of the default one', () => {
  expect(kafkaTopic('pizza', 'staging-')).toBe('staging-pizza');
});
