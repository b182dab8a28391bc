// bench/fanout: N WebSocket clients in one audience (game 1 / store 1), M events published over HTTP;
// deliveries/s at saturation and publish-to-receive latency (p50/p99/p99.9) at a fixed rate below
// it, for switchyard and for a bare `ws` broadcast server under the same load, and their ratio.
// One line per scenario and client count (`--clients 1000,5000,10000`). See bench/README.md.
//
// Process tree: this parent only orchestrates and prints; each run has a server child (switchyard or
// bare) and a load-generator child (clients + publisher), so server and load each get a core.
import { fanoutOptions } from './lib/options';
import { fanoutSuite } from './lib/fanout-suite';
import { scriptMain } from './lib/main';

const options = fanoutOptions('npx tsx bench/fanout.ts', ['games', 'pizza']);
scriptMain('fanout', () => fanoutSuite('fanout', options, 'bare-ws'));
