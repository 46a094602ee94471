// Camera and microphone: what the call asks the browser for, and a device swapped live (no renegotiation:
// the caller hands the new track to Call.replaceTrack).

export type DeviceKind = 'audio' | 'video';

export function constraints(kind: DeviceKind, deviceId?: string): MediaTrackConstraints | boolean {
  const id = deviceId ? { deviceId: { exact: deviceId } } : {};
  return kind === 'video'
    ? { ...id, width: { ideal: 512 }, height: { ideal: 512 }, frameRate: { ideal: 30 } }
    : { ...id, echoCancellation: true, noiseSuppression: true };
}

/** Camera and microphone together (one permission prompt). */
export function openMedia(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: constraints('video'), audio: constraints('audio') });
}

/** The device the stream's track of this kind comes from. */
export function currentDevice(media: MediaStream | null, kind: DeviceKind): string | undefined {
  return media
    ?.getTracks()
    .find((t) => t.kind === kind)
    ?.getSettings().deviceId;
}

/** Replaces the stream's track of `kind` by one from `deviceId` (the old one stopped); returns the new track. */
export async function switchDevice(
  media: MediaStream,
  kind: DeviceKind,
  deviceId: string,
): Promise<MediaStreamTrack> {
  const fresh = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind, deviceId) });
  const track = fresh.getTracks()[0];
  for (const old of media.getTracks().filter((t) => t.kind === kind)) {
    media.removeTrack(old);
    old.stop();
  }
  media.addTrack(track);
  return track;
}
