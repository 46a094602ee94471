// The extension's page script (content script, "world": "MAIN", "run_at": "document_start"): it runs in the
// page's own JavaScript world before the page's scripts, adds the gazecam camera to
// navigator.mediaDevices.enumerateDevices, and answers getUserMedia calls that pick it with the processed track
// of a camera session (session.ts); any other call goes to the browser untouched. The microphone, when asked
// for in the same call, is the browser's own track, untouched.
import { BridgeChannel } from './channel.ts';
import { dressAsGazecam, gazecamDevice, realCameraConstraints, wantsGazecam } from './devices.ts';
import { CameraSession } from './session.ts';

const bridge = new BridgeChannel();
const proto = MediaDevices.prototype;
const enumerate = proto.enumerateDevices;
const getUserMedia = proto.getUserMedia;
const stopTrack = MediaStreamTrack.prototype.stop;

/** One session per page, shared by every track handed out; it ends when the page stops the last one. */
let shared: { session: CameraSession; tracks: Set<MediaStreamTrack> } | null = null;

bridge.onSettings = (s) => shared?.session.update(s);

proto.enumerateDevices = async function (this: MediaDevices): Promise<MediaDeviceInfo[]> {
  const list = await enumerate.call(this);
  return [...list, gazecamDevice()];
};

proto.getUserMedia = async function (
  this: MediaDevices,
  constraints?: MediaStreamConstraints,
): Promise<MediaStream> {
  if (!constraints || !wantsGazecam(constraints)) return getUserMedia.call(this, constraints);
  // The real camera first: the browser's permission prompt still decides whether any of this happens.
  const real = await getUserMedia.call(this, realCameraConstraints(constraints));
  const camera = real.getVideoTracks()[0];
  let current = shared;
  if (!current) {
    const settings = await bridge.settings();
    const session = new CameraSession(camera, settings, {
      ticket: () => bridge.ticket(),
      status: (status) => bridge.post({ type: 'status', status }),
    });
    current = { session, tracks: new Set() };
    shared = current;
  } else camera.stop();
  return new MediaStream([handOut(current), ...real.getAudioTracks()]);
};

/** A clone of the session's output for the page; stopping the last one ends the session. */
function handOut(owner: NonNullable<typeof shared>): MediaStreamTrack {
  const track = owner.session.output.track.clone();
  dressAsGazecam(track);
  owner.tracks.add(track);
  track.clone = () => handOut(owner);
  track.stop = () => {
    stopTrack.call(track);
    owner.tracks.delete(track);
    if (owner.tracks.size > 0 || shared !== owner) return;
    shared = null;
    owner.session.close();
    bridge.post({ type: 'ended' });
  };
  return track;
}
