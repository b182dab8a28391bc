// bench/socketio-fanout: N socket.io clients in one room, M events published over HTTP; the
// workspace API (auth, rooms, catalogue-driven delivery) vs a bare socket.io server that emits each
// event to a room, under the same load: deliveries/s at saturation, publish-to-receive latency at a
// fixed rate below it, and their ratio. One line per client count. See bench/README.md.
//
// The clients speak socket.io's wire protocol over plain `ws` sockets (clients/socketio-wire.ts), so
// the load generator spends its core on reading frames, not on decoding them.
import { fanoutOptions } from './lib/options';
import { fanoutSuite } from './lib/fanout-suite';
import { scriptMain } from './lib/main';

const options = fanoutOptions('npx tsx bench/socketio-fanout.ts', ['workspace']);
scriptMain('socketio-fanout', () => fanoutSuite('socketio-fanout', options, 'bare-socketio'));
