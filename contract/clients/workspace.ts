// Client side of the workspace socket.io events (specs/workspace.asyncapi.yaml): the `auth` payload
// and the decoder a client hangs on `socket.onAny((event, payload) => ...)`.
import type {
  Auth, AuthSuccess, ChannelCreated, ChannelDeleted, ChannelUpdated, ConversationBroadcast, Invite, InviteCancelled,
  InviteResponse, KickedFromWorkspace, MediaStateUpdated, MeUpdated, OnlineStatus, OnlineStatusUpdated, SocketApiError,
  SocketApiErrorTransaction, UserJoined, UserLeavedWorkspace, UserSelectedChannel, UserUnselectedChannel, UserUpdated,
  WorkspaceUpdated,
} from '../../generated/workspace/models';
import { catalogues } from '../../generated';
import { expectShape, ProtocolError } from './http';

export type WorkspaceEvent =
  | { event: 'auth-success'; data: AuthSuccess }
  | { event: 'socket-api-error'; data: SocketApiError }
  /** `socket-api-error-<transaction>`: the failure of the event sent with that transaction. */
  | { event: 'transaction-error'; transaction: string; data: SocketApiErrorTransaction }
  | { event: 'channel-created'; data: ChannelCreated }
  | { event: 'channel-deleted'; data: ChannelDeleted }
  | { event: 'user-joined'; data: UserJoined }
  | { event: 'user-leaved-workspace'; data: UserLeavedWorkspace }
  | { event: 'user-updated'; data: UserUpdated }
  | { event: 'online-status-updated'; data: OnlineStatusUpdated }
  | { event: 'user-selected-channel'; data: UserSelectedChannel }
  | { event: 'user-unselected-channel'; data: UserUnselectedChannel }
  | { event: 'media-state-updated'; data: MediaStateUpdated }
  | { event: 'workspace-updated'; data: WorkspaceUpdated }
  | { event: 'channel-updated'; data: ChannelUpdated }
  | { event: 'me-updated'; data: MeUpdated }
  | { event: 'kicked-from-workspace'; data: KickedFromWorkspace }
  | { event: 'invite'; data: Invite }
  | { event: 'invite-response'; data: InviteResponse }
  | { event: 'invite-cancelled'; data: InviteCancelled }
  | { event: 'conversation-broadcast'; data: ConversationBroadcast }
  | { event: 'user-changed-device'; data: null }
  /** A message the generated catalogue lists that this client has no shape for (e.g. one new in the spec). */
  | { event: 'other'; name: string; data: unknown };

const TRANSACTION_ERROR = 'socket-api-error-';
const USER = { id: 'string', name: 'string' } as const;
const MEDIA = { microphone: 'boolean', speakers: 'boolean', screen: 'boolean', camera: 'boolean', speaking: 'boolean' } as const;

type Shaped = Exclude<WorkspaceEvent['event'], 'transaction-error' | 'user-changed-device' | 'other'>;
/** The names of every message the server emits, from the generated catalogue. */
const SENT: ReadonlySet<string> = new Set(Object.values(catalogues.workspace.messages).flatMap((m) => (m.direction === 'send' ? [m.name] : [])));

/** The fields each event's payload must have, by event name (what the decoder relies on). */
const SHAPES: Readonly<Record<Shaped, Readonly<Record<string, string>>>> = {
  'auth-success': { userId: 'string', reconnected: 'boolean', onlineStatus: 'string' },
  'socket-api-error': { event: 'string', message: 'string' },
  'channel-created': { channelId: 'string', workspaceId: 'string' },
  'channel-deleted': { channelId: 'string' },
  'user-joined': { user: 'object' },
  'user-leaved-workspace': { userId: 'string' },
  'user-updated': { user: 'object' },
  'online-status-updated': { userId: 'string', onlineStatus: 'string' },
  'user-selected-channel': { userId: 'string', channelId: 'string', userMediaState: 'object' },
  'user-unselected-channel': { userId: 'string', channelId: 'string' },
  'media-state-updated': { userId: 'string', channelId: 'string', userMediaState: 'object' },
  'workspace-updated': { workspace: 'object' },
  'channel-updated': { channel: 'object' },
  'me-updated': { user: 'object' },
  'kicked-from-workspace': { workspaceId: 'string' },
  invite: {},
  'invite-response': {},
  'invite-cancelled': {},
  'conversation-broadcast': { userId: 'string' },
};

/** The `auth` payload (after a reconnect, with the previous socket's id as `prevSocketId`). */
export function authPayload(
  token: string,
  workspaceId: string,
  opts: { onlineStatus?: OnlineStatus; transaction?: string; prevSocketId?: string | null; localTimeZone?: string } = {},
): Auth {
  return { token, workspaceId, ...opts };
}

export function parseWorkspaceEvent(event: string, payload: unknown): WorkspaceEvent {
  if (event === 'user-changed-device') {
    if (payload !== null) throw new ProtocolError('user-changed-device payload', payload);
    return { event, data: null };
  }
  if (event.startsWith(TRANSACTION_ERROR) && event !== 'socket-api-error') {
    const data = expectShape<SocketApiErrorTransaction>(event, payload, { message: 'string' });
    return { event: 'transaction-error', transaction: event.slice(TRANSACTION_ERROR.length), data };
  }
  if (!isShaped(event)) {
    if (SENT.has(event)) return { event: 'other', name: event, data: payload };
    throw new ProtocolError('workspace event', event);
  }
  const shape = SHAPES[event];
  const data = expectShape<WorkspaceEvent['data'] & Record<string, unknown>>(event, payload, shape);
  if ('user' in shape) expectShape(`${event} user`, data.user, USER);
  if ('userMediaState' in shape) expectShape(`${event} userMediaState`, data.userMediaState, MEDIA);
  return { event, data } as WorkspaceEvent;
}

function isShaped(event: string): event is Shaped {
  return Object.hasOwn(SHAPES, event);
}
