// The store dashboard's client code: what the pact tests exercise. It takes a one-off ticket for the
// pizza socket, reads the socket's notifications, and polls a channel of the events API.

/** GET /api/v1/ws/ticket with the user's bearer token: the socket URL with its one-off key. */
async function socketTicket(baseUrl, token) {
  const res = await fetch(new URL('/api/v1/ws/ticket', baseUrl), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const body = await res.json();
  if (!res.ok || !body.success) throw new Error(`no ticket (${res.status}): ${body.error}`);
  return `${baseUrl.replace(/^http/, 'ws')}/ws?key=${body.token}`;
}

/** A socket frame as the dashboard shows it. */
function notification(frame) {
  const { event_name: name, data } = JSON.parse(frame);
  if (name === 'CREATE_PIZZA') return { kind: 'new order', title: `${data.name} (${data.size} cm)`, price: data.price };
  if (name === 'ACCEPT_PIZZA') return { kind: 'accepted', orders: data };
  return { kind: 'unknown', name };
}

/** GET /events/v1/events: the channel's events after the client's cursor. */
async function pollEvents(baseUrl, { clientId, channel, secret, after }) {
  const url = new URL('/events/v1/events', baseUrl);
  url.search = new URLSearchParams({ clientId, channel, secret, ...(after === undefined ? {} : { after: String(after) }) }).toString();
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`poll failed (${res.status})`);
  return (await res.json()).map((e) => ({ id: e.id, at: new Date(e.timestamp), type: e.type, data: e.data }));
}

module.exports = { socketTicket, notification, pollEvents };
