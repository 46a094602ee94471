// The shapes of Janus API messages this backend reads (Janus core API and the VideoRoom plugin's payloads).
// Only the fields used here are typed; Janus sends more.

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

/** One message from Janus: a reply to a request or an event from the long poll. */
export interface JanusMessage {
  janus: string;
  session_id?: number;
  /** The handle an event belongs to. */
  sender?: number;
  transaction?: string;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: VideoRoomData };
  jsep?: Jsep;
  /** hangup */
  reason?: string;
  /** media */
  type?: string;
  receiving?: boolean;
}

/** A stream a publisher sends (in `publishers` lists). */
export interface PublishedStream {
  type: 'audio' | 'video' | 'data';
  mid: string;
  disabled?: boolean;
}

export interface PublisherInfo {
  id: number;
  display?: string;
  streams?: PublishedStream[];
}

/** A stream of a subscription (in `attached`, `updated` and `switched` events). */
export interface SubscriptionStream {
  mid: string;
  type: 'audio' | 'video' | 'data';
  active?: boolean;
  feed_id?: number;
  feed_mid?: string;
}

/** The VideoRoom plugin's payload (`plugindata.data`). */
export interface VideoRoomData {
  videoroom?: string;
  room?: number;
  id?: number;
  error_code?: number;
  error?: string;
  publishers?: PublisherInfo[];
  unpublished?: number | 'ok';
  leaving?: number | 'ok';
  streams?: SubscriptionStream[];
  exists?: boolean;
  participants?: Array<{ id: number; display?: string; publisher?: boolean }>;
}

/** The VideoRoom plugin's package name, for `attach`. */
export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';
