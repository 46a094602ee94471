// One werift PeerConnection of the SFU: created with the SFU's configuration, fed trickled candidates, and
// closed so that its ICE transport and sockets are gone when the promise resolves.
import { RTCPeerConnection } from 'werift';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import type { IceCandidateInit } from '../types.ts';
import { type IceOptions, peerConfig } from './config.ts';
import { installGuard } from './socket-guard.ts';

const log = createLogger('media:connection');

export function createConnection(ice: IceOptions): RTCPeerConnection {
  installGuard();
  return new RTCPeerConnection(peerConfig(ice));
}

export async function addCandidate(pc: RTCPeerConnection, candidate: IceCandidateInit): Promise<void> {
  try {
    await pc.addIceCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? undefined,
      sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
    });
  } catch (e) {
    throw new AppError('BAD_REQUEST', `bad ICE candidate: ${(e as Error).message}`);
  }
}

export async function closeConnection(pc: RTCPeerConnection | null): Promise<void> {
  if (!pc) return;
  await pc.close().catch((e) => log.debug('close failed', e));
}
