// A quiz game back-end for Switchyard's games API (plain Node, no dependencies). It owns the games:
// Switchyard forwards `next_question`, `answer` and `check` to POST /actions (ACTION_BACKENDS=
// games=http://<this>/actions) and relays the answer; the broadcasts go through the gateway's
// publish API *before* the answer, so players see them before the reply (README.md).
'use strict';

const http = require('node:http');
const { play } = require('./game');
const { demoGame } = require('./demo');

/**
 * Starts the back-end. `gateway.url`: where Switchyard serves; `gateway.token`: a `publish`-scoped
 * JWT (both read when publishing, so they may be filled in once the gateway runs).
 * Resolves to { url, createGame(game), close() }.
 */
async function startQuizBackend({ gateway, port = 0, host = '127.0.0.1', log = () => undefined }) {
  const games = new Map();

  async function publish(message, pk, data) {
    const { url: gatewayUrl, token: publishToken } = gateway;
    const res = await fetch(`${gatewayUrl}/publish/v1/games`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${publishToken}` },
      body: JSON.stringify({ message, to: { pk }, data }),
    });
    if (res.status !== 202) throw new Error(`publish ${message} to game ${pk}: HTTP ${res.status} ${await res.text()}`);
  }

  /** Registers a game and announces it (`update`), so the gateway can serve retrieve, list and join. */
  async function createGame(game) {
    games.set(game.id, game);
    await publish('update', game.id, game);
  }

  // Actions of one game run one at a time, so two answers cannot both start from the same state.
  const queues = new Map();
  function serialized(pk, run) {
    const next = (queues.get(pk) || Promise.resolve()).then(run, run);
    queues.set(pk, next.catch(() => undefined));
    return next;
  }

  async function handle(request) {
    const pk = request.payload && request.payload.pk;
    return serialized(pk, async () => {
      const mine = games.get(pk);
      // Players join through the gateway: its snapshot has the current list.
      const game = mine && request.snapshot && Array.isArray(request.snapshot.players) ? { ...mine, players: mergePlayers(mine.players, request.snapshot.players) } : mine;
      const { answer, broadcasts } = play(game, request);
      if (answer.response_status === 200 && broadcasts.length) {
        const latest = broadcasts.find(([m]) => m === 'update');
        if (latest) games.set(pk, latest[1]);
        for (const [message, data] of broadcasts) await publish(message, pk, data);
      }
      log(`${request.action} ${pk} by ${request.user && request.user.sub}: ${answer.response_status}`);
      return answer;
    });
  }

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/actions') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      let answer;
      try {
        answer = await handle(JSON.parse(body));
      } catch (err) {
        log(`failed: ${err && err.message}`);
        answer = { response_status: 500, errors: ['Internal error'], data: null };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/actions`,
    createGame,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The back-end's players (with their scores) plus anyone who joined since, in joining order. */
function mergePlayers(mine, theirs) {
  const known = new Map(mine.map((p) => [p.id, p]));
  return theirs.map((p) => known.get(p.id) || p);
}

module.exports = { startQuizBackend, demoGame };

if (require.main === module) {
  const gatewayUrl = process.env.GATEWAY_URL || 'http://127.0.0.1:8080';
  const publishToken = process.env.PUBLISH_TOKEN;
  if (!publishToken) {
    console.error('PUBLISH_TOKEN is required: npx switchyard token --sub quiz-backend --scope publish');
    process.exit(1);
  }
  startQuizBackend({ gateway: { url: gatewayUrl, token: publishToken }, port: Number(process.env.PORT || 9000), log: (line) => console.log(line) })
    .then(async (backend) => {
      console.log(`quiz back-end on ${backend.url}; start Switchyard with ACTION_BACKENDS=games=${backend.url}`);
      await backend.createGame(demoGame({ id: 1, owner: process.env.OWNER || 'teacher' }));
      console.log(`game 1 published; its owner is "${process.env.OWNER || 'teacher'}"`);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
