// workspace-client: a voice-chat app on socket.io, decoding each server event with
// contract/clients/workspace.ts. A socket.io event is a name and a payload: the payload is the message
// content, the name travels in the metadata as `event`.
import { MatchersV3 as M } from '@pact-foundation/pact';
import { parseWorkspaceEvent } from '../clients/workspace';
import { CONSUMERS, consumerPact, specMessage } from '../pact';
import { coverPublished } from '../published';
import { mediaState, onlineStatus, workspaceUser } from './shapes';

const pact = consumerPact(CONSUMERS.workspace);
const userId = M.string('4b1e6c7a-2d3f-4a8b-9c5e-1f2a3b4c5d6e');
const channelId = M.string('2c5e8f1a-3b6d-4e7f-8a9b-0c1d2e3f4a5b');

/** One socket.io event: its name is both the spec message's `name` and the `event` metadata. */
function receives(description: string, message: string, payload: unknown, event: unknown = message) {
  return pact
    .addAsynchronousInteraction()
    .expectsToReceive(description, (b) => b.withJSONContent(payload).withMetadata({ ...specMessage('workspace', message), event: event as string }));
}

const decode = (m: { contents: { content: unknown }; metadata: Record<string, unknown> }) => parseWorkspaceEvent(String(m.metadata.event), m.contents.content);

describe('replies to auth', () => {
  it('auth-success with the user id, the transaction of auth, reconnected and the online status', () =>
    receives('auth-success', 'auth-success', { userId, transaction: M.string('auth-1'), reconnected: M.boolean(false), onlineStatus: onlineStatus('online') }).executeTest(async (m) => {
      expect(decode(m)).toEqual({
        event: 'auth-success',
        data: { userId: '4b1e6c7a-2d3f-4a8b-9c5e-1f2a3b4c5d6e', transaction: 'auth-1', reconnected: false, onlineStatus: 'online' },
      });
    }));

  it('socket-api-error naming the failed event', () =>
    receives('socket-api-error for auth', 'socket-api-error', { event: 'auth', message: M.string('Invalid access token') }).executeTest(async (m) => {
      expect(decode(m)).toEqual({ event: 'socket-api-error', data: { event: 'auth', message: 'Invalid access token' } });
    }));

  it('socket-api-error-<transaction> for the event sent with that transaction', () =>
    receives(
      'socket-api-error-<transaction> for auth',
      'socket-api-error-transaction',
      { message: M.string("Can't listen workspace events") },
      M.regex('^socket-api-error-.+$', 'socket-api-error-auth-1'),
    ).executeTest(async (m) => {
      expect(decode(m)).toEqual({ event: 'transaction-error', transaction: 'auth-1', data: { message: "Can't listen workspace events" } });
    }));
});

describe('workspace events', () => {
  it.each([
    ['channel-created', { channelId, workspaceId: M.string('7d9f2c1e-8a4b-4c3d-9e5f-0a1b2c3d4e5f') }],
    ['channel-deleted', { channelId }],
    ['user-joined', { user: workspaceUser() }],
    ['user-leaved-workspace', { userId }],
    ['user-updated', { user: workspaceUser() }],
    ['online-status-updated', { userId, onlineStatus: onlineStatus('idle') }],
    ['user-selected-channel', { userId, channelId, userMediaState: mediaState() }],
    ['user-unselected-channel', { userId, channelId }],
    ['media-state-updated', { userId, channelId, userMediaState: mediaState() }],
    ['me-updated', { user: workspaceUser() }],
    ['kicked-from-workspace', { workspaceId: M.string('7d9f2c1e-8a4b-4c3d-9e5f-0a1b2c3d4e5f') }],
    ['conversation-broadcast', { userId, action: M.string('sticker') }],
    ['workspace-updated', { workspace: { id: M.string('7d9f2c1e-8a4b-4c3d-9e5f-0a1b2c3d4e5f') } }],
    ['channel-updated', { channel: { id: channelId, name: M.string('general'), isPrivate: M.boolean(false), isTemporary: M.boolean(false), creatorId: userId } }],
    ['invite', { inviteId: M.string('0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b') }],
    ['invite-response', { inviteId: M.string('0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b') }],
    ['invite-cancelled', { inviteId: M.string('0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b') }],
  ] as const)('%s', (event, payload) =>
    receives(`a ${event} event`, event, payload).executeTest(async (m) => {
      const decoded = decode(m);
      expect(decoded.event).toBe(event);
      expect(decoded.data).toEqual(expect.any(Object));
    }),
  );

  it('user-changed-device, whose payload is null', () =>
    receives('a user-changed-device event', 'user-changed-device', null).executeTest(async (m) => {
      expect(decode(m)).toEqual({ event: 'user-changed-device', data: null });
    }));
});

describe('messages new in the spec', () => {
  coverPublished(pact, 'workspace', (content, metadata) =>
    expect(parseWorkspaceEvent(String(metadata.event), content)).toMatchObject({ data: content }),
  );
});
