// Devices: the camera and microphone pickers and the preview before joining; a pick switches live.
import {
  currentDevice,
  type DeviceKind,
  openMedia as getMedia,
  switchDevice as switchTrack,
} from '../core/devices.ts';
import { $, h, showError } from '../dom.ts';
import { state } from './state.ts';

export async function openMedia(): Promise<void> {
  try {
    state.media = await getMedia();
  } catch (e) {
    showError('#join-error', `camera/microphone unavailable: ${(e as Error).message}`);
    return;
  }
  $<HTMLVideoElement>('#preview').srcObject = state.media;
  await fillDevices();
}

async function fillDevices(): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [sel, kind, trackKind] of [
    ['#camera', 'videoinput', 'video'],
    ['#mic', 'audioinput', 'audio'],
  ] as const) {
    const select = $<HTMLSelectElement>(sel);
    const current = currentDevice(state.media, trackKind);
    select.replaceChildren(
      ...devices
        .filter((d) => d.kind === kind)
        .map((d, i) =>
          h('option', {
            value: d.deviceId,
            textContent: d.label || `${kind} ${i + 1}`,
            selected: d.deviceId === current,
          }),
        ),
    );
  }
}

export async function switchDevice(kind: DeviceKind): Promise<void> {
  const media = state.media;
  if (!media) return;
  const deviceId = $<HTMLSelectElement>(kind === 'video' ? '#camera' : '#mic').value;
  try {
    const track = await switchTrack(media, kind, deviceId);
    await state.call?.replaceTrack(track);
  } catch (e) {
    showError('#join-error', `cannot switch ${kind}: ${(e as Error).message}`);
  }
}
