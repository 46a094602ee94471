// The call page: join (room, name, passcode, devices, preview), identity picker, avatar / eye-contact toggles,
// tiles with badges and a stats overlay, and your own processed preview. This module wires the page's controls
// to its parts (page/*), which use the DOM-free client core (core/*).
import { $ } from '../dom.ts';
import { openMedia, switchDevice } from './devices.ts';
import { applyMode } from './effects.ts';
import { refreshIdentities, upload } from './identities.ts';
import { join, leave, savedName } from './session.ts';

export function startApp(roomFromUrl: string | null): void {
  const room = $<HTMLInputElement>('#room');
  const name = $<HTMLInputElement>('#name');
  room.value = roomFromUrl ?? new URLSearchParams(location.search).get('room') ?? 'demo';
  name.value = savedName();
  $('#join-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void join();
  });
  $('#leave').addEventListener('click', () => void leave());
  $('#toggle-avatar').addEventListener('change', () => void applyMode());
  $('#toggle-eyes').addEventListener('change', () => void applyMode());
  $('#toggle-sketch').addEventListener('change', () => void applyMode());
  $('#identity-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void upload();
  });
  $('#camera').addEventListener('change', () => void switchDevice('video'));
  $('#mic').addEventListener('change', () => void switchDevice('audio'));
  $('#show-stats').addEventListener('change', (ev) => {
    document.body.classList.toggle('stats-on', (ev.target as HTMLInputElement).checked);
  });
  void refreshIdentities();
  void openMedia();
}
