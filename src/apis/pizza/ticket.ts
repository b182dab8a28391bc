// One-off WebSocket tickets (pizza-ticket-websocket.md): 32 random alphanumerics, like the original.
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newTicket(length = 32): string {
  let ticket = '';
  for (let i = 0; i < length; i++) ticket += ALPHABET[randomInt(ALPHABET.length)];
  return ticket;
}
