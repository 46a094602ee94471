// Janus puts every m-line of a subscription in one msid stream ("janus"), so a receiver would pair videos and
// audios of different participants for A/V sync (libwebrtc syncs a video to the first audio of its stream and
// held every video back to it). The project's protocol gives each participant's audio and video their own
// streams, as the werift SFU does: the offer's msid lines are rewritten from the mid map before the client
// sees it (the answer does not depend on them).
import type { SubscribeOffer } from '../sdp-types.ts';

export function withProtocolMsids(sdp: string, tracks: SubscribeOffer['tracks']): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const sections = sdp.split(/\r?\n(?=m=)/);
  return sections
    .map((section) => {
      const mid = /^a=mid:(\S+)/m.exec(section)?.[1];
      const who = mid !== undefined ? tracks[mid] : undefined;
      if (!who) return section;
      const stream = `${who.participantId}-${who.kind}`;
      return section.replace(/^a=msid:\S+ \S+/m, `a=msid:${stream} ${stream}-${mid}`);
    })
    .join(eol);
}
