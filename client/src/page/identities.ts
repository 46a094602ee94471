// Identities: upload photos of one person, the list with the faces the server found, pick and delete.
import { deleteIdentity, listIdentities, uploadIdentity } from '../core/identities.ts';
import { $, h, hideError, showError } from '../dom.ts';
import { applyMode } from './effects.ts';
import { state } from './state.ts';

export async function refreshIdentities(): Promise<void> {
  try {
    state.identities = await listIdentities();
  } catch (e) {
    showError('#identity-error', (e as Error).message);
  }
  const effects = state.effects;
  if (effects.identityId && !state.identities.some((i) => i.id === effects.identityId))
    effects.identityId = null;
  renderIdentities();
}

export async function upload(): Promise<void> {
  hideError('#identity-error');
  const input = $<HTMLInputElement>('#identity-file');
  const files = [...(input.files ?? [])];
  if (files.length === 0) return showError('#identity-error', 'choose one or more photos of one person');
  const button = $<HTMLButtonElement>('#identity-upload');
  button.disabled = true;
  $('#identity-busy').hidden = false;
  try {
    const identity = await uploadIdentity(files, $<HTMLInputElement>('#identity-name').value.trim());
    input.value = '';
    $<HTMLInputElement>('#identity-name').value = '';
    state.identities = [identity, ...state.identities];
    pick(identity.id);
  } catch (e) {
    showError('#identity-error', (e as Error).message);
  } finally {
    button.disabled = false;
    $('#identity-busy').hidden = true;
  }
}

function pick(id: string | null): void {
  state.effects.pick(id);
  renderIdentities();
  // Applies live when avatar mode is on.
  if (state.call && state.effects.avatar) void applyMode();
}

async function remove(id: string): Promise<void> {
  try {
    await deleteIdentity(id);
  } catch (e) {
    return showError('#identity-error', (e as Error).message);
  }
  state.identities = state.identities.filter((i) => i.id !== id);
  if (state.effects.identityId === id) {
    if (state.effects.avatar) {
      $<HTMLInputElement>('#toggle-avatar').checked = false;
      void applyMode();
    }
    pick(null);
  } else renderIdentities();
}

function renderIdentities(): void {
  const picked = state.effects.identityId;
  $('#identities').replaceChildren(
    ...state.identities.map((identity) =>
      h(
        'li.identity',
        {
          dataset: { id: identity.id },
          className: `identity${identity.id === picked ? ' selected' : ''}`,
        },
        h(
          'div.thumbs',
          {},
          ...identity.photos.map((p) =>
            h(
              'div.thumb',
              {},
              h('img', { src: p.url, alt: identity.name, loading: 'lazy' }),
              h('div.face-box', {
                style: `left:${(100 * p.box.x) / p.width}%;top:${(100 * p.box.y) / p.height}%;width:${(100 * p.box.width) / p.width}%;height:${(100 * p.box.height) / p.height}%`,
              }),
            ),
          ),
        ),
        h('span.identity-name', { textContent: `${identity.name} (${identity.photos.length})` }),
        h('button.pick', {
          type: 'button',
          textContent: identity.id === picked ? 'picked' : 'pick',
          onclick: () => pick(identity.id),
        }),
        h('button.delete', {
          type: 'button',
          textContent: 'delete',
          onclick: () => void remove(identity.id),
        }),
      ),
    ),
  );
}
