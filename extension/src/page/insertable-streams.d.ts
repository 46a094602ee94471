// Chromium's breakable-track API (Insertable Streams for MediaStreamTrack, main-thread form), which the DOM
// typings do not carry: a track fed with VideoFrames, and a track read as VideoFrames.
declare class MediaStreamTrackGenerator extends MediaStreamTrack {
  constructor(init: { kind: 'video' | 'audio' });
  readonly writable: WritableStream<VideoFrame>;
}

declare class MediaStreamTrackProcessor {
  constructor(init: { track: MediaStreamTrack; maxBufferSize?: number });
  readonly readable: ReadableStream<VideoFrame>;
}
