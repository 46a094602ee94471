// The clean feed: /feed/<room>/<participant id or display name>[?passcode=...&audio=1] shows one processed
// stream alone, full window, no UI - for OBS window capture or a virtual camera. Its state is in the title
// and in <body data-state> (for scripts), never on screen.

import { RequestError } from './core/signaling.ts';
import { Viewer } from './core/viewer.ts';
import { h } from './dom.ts';

export function startFeed(room: string, participant: string): void {
  const params = new URLSearchParams(location.search);
  document.body.className = 'feed';
  const video = h('video#feed', { autoplay: true, playsInline: true, muted: params.get('audio') !== '1' });
  document.body.replaceChildren(video);
  const setState = (s: string) => {
    document.body.dataset.state = s;
    document.title = `${participant} @ ${room} - ${s}`;
  };
  setState('connecting');
  const open = () =>
    Viewer.open({
      room,
      participant,
      passcode: params.get('passcode') ?? undefined,
      onStream: (stream) => {
        if (video.srcObject !== stream) video.srcObject = stream;
        setState('playing');
      },
      onState: (s) => {
        setState(s);
        // The server went away: try again in a while (OBS keeps the window open for hours).
        if (s === 'disconnected') setTimeout(() => void open(), 3000);
      },
    }).catch((e: Error) => {
      // Several server nodes: the room lives on another one; this same feed URL is served there.
      if (e instanceof RequestError && e.code === 'ROOM_ELSEWHERE' && e.redirect) {
        location.assign(new URL(location.pathname + location.search, e.redirect).href);
        return;
      }
      setState(`error: ${e.message}`);
      setTimeout(() => void open(), 5000);
    });
  void open();
}
