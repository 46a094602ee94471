// What a camera session shows (the extension's camera, `npm run vcam`): one rule for both, kept free of zod so
// the extension's page script carries nothing of the server's schemas.
import type { Mode, Participant } from './protocol.ts';

/** What a camera session shows: the processed video, the camera itself, or a placeholder. */
export type CameraSource = 'processed' | 'camera' | 'placeholder';

/**
 * The camera session's output rule, shared by the extension and `npm run vcam`. `wanted` is the mode the user
 * asked for; `server` the camera participant as the server last described it (null: not connected);
 * `flowing`: processed frames arrived lately. Avatar mode shows the processed video only while the server
 * routes an avatar to it, else a placeholder: never the camera. Eye contact falls back to the camera.
 */
export function cameraSource(
  wanted: Mode,
  server: Pick<Participant, 'mode' | 'video'> | null,
  flowing: boolean,
): CameraSource {
  if (wanted === 'none') return 'camera';
  const avatar = wanted === 'avatar' || wanted === 'both';
  const routed =
    flowing &&
    server?.video === 'processed' &&
    (avatar ? server.mode === 'avatar' || server.mode === 'both' : server.mode !== 'none');
  if (routed) return 'processed';
  return avatar ? 'placeholder' : 'camera';
}
