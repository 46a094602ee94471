// Where subscribers get a participant's video from. Avatar mode fails closed: while no agent serves it (starting,
// crashed, hung, restarting) the video is routed to a source that sends nothing, never to the camera.
import type { SfuRoom } from '../media/types.ts';
import type { Mode, Participant } from './protocol.ts';

const HOLD_PREFIX = 'hold:';

export const wantsAvatar = (mode: Mode): boolean => mode === 'avatar' || mode === 'both';

/** A source id no peer has (peer ids never contain ':'): the SFU forwards nothing for it. */
export const holdSourceId = (participantId: string): string => `${HOLD_PREFIX}${participantId}`;

/** The route target for a participant: the serving agent's peer, nothing (avatar), or the camera (null). */
export function videoRouteTarget(
  participantId: string,
  mode: Mode,
  servingAgentPeerId: string | null,
): string | null {
  if (mode === 'none') return null;
  if (servingAgentPeerId) return servingAgentPeerId;
  return wantsAvatar(mode) ? holdSourceId(participantId) : null;
}

export function applyVideoRoute(
  room: SfuRoom,
  participantId: string,
  mode: Mode,
  servingAgentPeerId: string | null,
): void {
  if (!room.closed) room.setRoute(participantId, videoRouteTarget(participantId, mode, servingAgentPeerId));
}

/** What subscribers receive for the participant's video now (after the SFU's keyframe switch). */
export function videoState(room: SfuRoom, participantId: string): Participant['video'] {
  if (room.closed) return 'raw';
  const source = room.currentSource(participantId);
  if (source === participantId) return 'raw';
  return source.startsWith(HOLD_PREFIX) ? 'held' : 'processed';
}
