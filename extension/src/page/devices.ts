// The gazecam camera in the page's device list, and telling a getUserMedia call that asks for it from one that
// does not. Everything here runs in the page's own world, before the page's scripts.

export const GAZECAM_DEVICE_ID = 'gazecam';
export const GAZECAM_LABEL = 'gazecam (avatar / eye contact)';

/** One more `videoinput`, shaped like the browser's own InputDeviceInfo. */
export function gazecamDevice(): MediaDeviceInfo {
  const info = {
    deviceId: GAZECAM_DEVICE_ID,
    groupId: GAZECAM_DEVICE_ID,
    kind: 'videoinput' as const,
    label: GAZECAM_LABEL,
    getCapabilities: () => capabilities(),
    toJSON() {
      return { deviceId: info.deviceId, groupId: info.groupId, kind: info.kind, label: info.label };
    },
  };
  if (typeof InputDeviceInfo !== 'undefined') Object.setPrototypeOf(info, InputDeviceInfo.prototype);
  return info as unknown as MediaDeviceInfo;
}

function capabilities(): MediaTrackCapabilities {
  return {
    deviceId: GAZECAM_DEVICE_ID,
    groupId: GAZECAM_DEVICE_ID,
    width: { min: 1, max: 1280 },
    height: { min: 1, max: 720 },
    frameRate: { min: 1, max: 30 },
  };
}

type IdConstraint = string | string[] | ConstrainDOMStringParameters | undefined;

function names(id: IdConstraint): string[] {
  if (id === undefined) return [];
  if (typeof id === 'string') return [id];
  if (Array.isArray(id)) return id;
  return [...names(id.exact as IdConstraint), ...names(id.ideal as IdConstraint)];
}

/** Does this getUserMedia call ask for the gazecam camera (by deviceId, exact or ideal)? */
export function wantsGazecam(constraints: MediaStreamConstraints | undefined): boolean {
  const video = constraints?.video;
  if (!video || video === true) return false;
  return names(video.deviceId as IdConstraint).includes(GAZECAM_DEVICE_ID);
}

/** The same request for the real camera: the page's size and rate wishes, any camera but gazecam. */
export function realCameraConstraints(constraints: MediaStreamConstraints): MediaStreamConstraints {
  const { deviceId: _drop, ...video } = constraints.video as MediaTrackConstraints;
  return { video: Object.keys(video).length ? video : true, audio: constraints.audio ?? false };
}

/** Makes the output track describe itself as the gazecam device (call apps show the chosen camera by it). */
export function dressAsGazecam(track: MediaStreamTrack): void {
  const own = track.getSettings.bind(track);
  Object.defineProperty(track, 'label', { value: GAZECAM_LABEL, configurable: true });
  track.getSettings = () => ({ ...own(), deviceId: GAZECAM_DEVICE_ID, groupId: GAZECAM_DEVICE_ID });
  track.getCapabilities = () => capabilities();
  // The size is the server's (avatar) or the camera's: constraints are accepted and have no effect.
  track.applyConstraints = () => Promise.resolve();
}
