// Bounds on the SDP a client sends, checked before the SFU parses it: werift parses SDP in JavaScript on the
// event loop every packet waits on, and its cost grows with the m-lines (a 190 m-line, 57 kB offer took ~460 ms).
// A person publishes a camera and a microphone (room for a screen share and one more); an agent its processed
// audio and video; a viewer nothing. A subscribe answer describes the server's own offer, so it may carry no more
// m-lines than that offer, and about what an answer per m-line takes in bytes. Counting lines is linear and cheap.
import { AppError } from '../util/errors.ts';

export const PUBLISH_MAX_MLINES = 4;
/** A Chromium offer for audio + video with every codec and its gathered candidates is ~10-15 kB. */
export const PUBLISH_MAX_BYTES = 32 * 1024;
const ANSWER_BASE_BYTES = 8 * 1024;
const ANSWER_BYTES_PER_MLINE = 3 * 1024;

export function mLineCount(sdp: string): number {
  let n = sdp.startsWith('m=') ? 1 : 0;
  for (let i = sdp.indexOf('\nm='); i >= 0; i = sdp.indexOf('\nm=', i + 3)) n++;
  return n;
}

/** A publish offer of a user or an agent (viewers publish nothing: the caller refuses them first). */
export function checkPublishOffer(sdp: string): void {
  const n = mLineCount(sdp);
  if (n > PUBLISH_MAX_MLINES)
    throw new AppError('BAD_REQUEST', `sdp: ${n} m-lines; a publish offer has at most ${PUBLISH_MAX_MLINES}`);
  if (sdp.length > PUBLISH_MAX_BYTES)
    throw new AppError(
      'BAD_REQUEST',
      `sdp: ${sdp.length} bytes; a publish offer has at most ${PUBLISH_MAX_BYTES}`,
    );
}

/** A client's answer to the server's subscribe offer. */
export function checkSubscribeAnswer(answer: string, offer: string): void {
  const offered = mLineCount(offer);
  const n = mLineCount(answer);
  if (n > offered)
    throw new AppError('BAD_REQUEST', `sdp: the answer has ${n} m-lines for an offer of ${offered}`);
  const max = ANSWER_BASE_BYTES + ANSWER_BYTES_PER_MLINE * offered;
  if (answer.length > max)
    throw new AppError(
      'BAD_REQUEST',
      `sdp: ${answer.length} bytes; an answer to this offer has at most ${max}`,
    );
}
