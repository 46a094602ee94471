// The media layer's own vocabulary: track kinds, session descriptions and the subscribe offer the SFU makes.
// Signaling validates these on the wire (zod, src/signaling/protocol.ts) and re-exports them to clients.

export type Kind = 'audio' | 'video';

export interface Sdp {
  type: 'offer' | 'answer';
  sdp: string;
}

/** The SFU's offer on a subscribe connection. */
export interface SubscribeOffer {
  offer: Sdp;
  /** mid -> whose track this transceiver carries; mids not listed are inactive. */
  tracks: Record<string, { participantId: string; kind: Kind }>;
}
