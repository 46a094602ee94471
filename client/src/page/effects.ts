// Camera effects: the avatar / eye-contact / sketch toggles, your own processed preview and the debug sketch.
import type { Mode } from '../../../src/signaling/protocol.ts';
import { modeOf } from '../core/effects.ts';
import type { RequestError } from '../core/signaling.ts';
import { Viewer } from '../core/viewer.ts';
import { $, hideError, showError } from '../dom.ts';
import { state } from './state.ts';

export async function applyMode(): Promise<void> {
  hideError('#settings-error');
  const avatarBox = $<HTMLInputElement>('#toggle-avatar');
  const eyesBox = $<HTMLInputElement>('#toggle-eyes');
  const effects = state.effects;
  if (avatarBox.checked && !effects.identityId) {
    avatarBox.checked = false;
    showError('#settings-error', 'pick an identity first (upload a photo below)');
    return;
  }
  const call = state.call;
  if (!call) return;
  const mode = modeOf(avatarBox.checked, eyesBox.checked);
  try {
    await effects.apply(
      call,
      avatarBox.checked,
      eyesBox.checked,
      $<HTMLInputElement>('#toggle-sketch').checked,
    );
  } catch (e) {
    avatarBox.checked = effects.avatar;
    eyesBox.checked = effects.eyes;
    const code = (e as RequestError).code;
    const why = (e as Error).message;
    showError(
      '#settings-error',
      code === 'AGENT_LIMIT'
        ? `Server busy (${code}): ${why}`
        : code === 'IDENTITY_NOT_FOUND'
          ? `That identity is not yours or no longer exists (${code}); pick another`
          : why,
    );
    document.querySelector<HTMLElement>('#settings-error')?.setAttribute('data-code', code ?? '');
  }
  syncPreview(mode);
}

/** Your own processed stream, as the others see it, while a mode is on. The viewer connection stays open until
 * you leave (each viewer joining or leaving renegotiates everyone's subscribe connection). */
function syncPreview(mode: Mode): void {
  const call = state.call;
  const on = !!call && mode !== 'none';
  const tile = document.querySelector<HTMLElement>('.tile.self');
  tile?.classList.toggle('processing', on);
  const v = document.querySelector<HTMLVideoElement>('.tile.self video.processed');
  if (v) {
    v.hidden = !on;
    if (on && state.previewStream && v.srcObject !== state.previewStream) v.srcObject = state.previewStream;
  }
  const img = document.querySelector<HTMLImageElement>('.tile.self img.sketch');
  if (img && (!on || !$<HTMLInputElement>('#toggle-sketch').checked)) img.hidden = true;
  if (!call || !on || state.preview || state.previewOpening) return;
  state.previewOpening = true;
  void Viewer.open({
    room: call.room,
    participant: call.me,
    passcode: $<HTMLInputElement>('#passcode').value || undefined,
    onStream: (stream) => {
      state.previewStream = stream;
      syncPreview(state.effects.mode);
    },
  })
    .then((viewer) => {
      state.previewOpening = false;
      if (state.call === call) state.preview = viewer;
      else viewer.close();
    })
    .catch((e) => {
      state.previewOpening = false;
      showError('#settings-error', `processed preview: ${(e as Error).message}`);
    });
}

/** The agent's debug sketch beside your processed preview (pushed only while the sketch box is on). */
export function showSketch(jpegBase64: string): void {
  const img = document.querySelector<HTMLImageElement>('.tile.self img.sketch');
  if (!img || !$<HTMLInputElement>('#toggle-sketch').checked) return;
  img.src = `data:image/jpeg;base64,${jpegBase64}`;
  img.hidden = false;
}
