// A published event's data is checked against the spec once per process: the publish API marks the
// envelope it checked, the in-process bus carries the mark to each handler's copy, and the bus
// handlers (fanout and work) skip the data validation for it. Anything unmarked is checked in full.
import { catalogues } from '../generated';
import { MemoryBus } from '../src/bus/memory-bus';
import { markChecked, type Envelope } from '../src/ports/bus';
import { publishable } from '../src/envelopes/check-envelope';
import { fanoutHandler, workHandler } from '../src/envelopes/validated';

const catalogue = catalogues.pizza;
const entry = publishable(catalogue).get('CREATE_PIZZA')!;
const pizza = {
  uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', name: 'Margherita', store_id: 1,
  user_uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', size: 30, accepted: false, price: 9.5,
  description: 'Tomato', img_url: 'https://example.com/p.png',
  created_date: '2020-05-01T12:00:00Z', time_prepared: '2020-05-01T12:20:00Z',
};
const envelope = (): Envelope => ({ id: 'e1', message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza });

/** Publishes `e` to a bus with a fanout and a work handler; resolves with the validations of its data. */
async function validationsOf(e: Envelope): Promise<number> {
  const validate = jest.spyOn(entry.publish!, 'validateData');
  const bus = new MemoryBus();
  try {
    let seen = 0;
    const both = new Promise<void>((resolve) => {
      const handled = (): void => {
        if (++seen === 2) resolve();
      };
      void bus.subscribe('pizza', 'fanout', fanoutHandler(catalogue, handled));
      void bus.subscribe('pizza', 'work', workHandler(catalogue, handled));
    });
    await bus.publish('pizza', e);
    await both;
    return validate.mock.calls.length;
  } finally {
    validate.mockRestore();
    await bus.close();
  }
}

it('does not validate the data of an envelope the publisher checked again in the bus handlers', async () => {
  const e = envelope();
  markChecked(e, catalogue);
  expect(await validationsOf(e)).toBe(0);
});

it('validates an unmarked envelope in every handler, and one checked against another catalogue', async () => {
  expect(await validationsOf(envelope())).toBe(2);
  const other = envelope();
  markChecked(other, { ...catalogue });
  expect(await validationsOf(other)).toBe(2);
});
