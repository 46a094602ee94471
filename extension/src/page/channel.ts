// The page script's line to the bridge (the isolated content script, which may use chrome.* APIs): a
// MessageChannel whose port the bridge posts at document_start. The page script listens first (it runs
// before any of the page's scripts) and takes that one port, so the page cannot read or forge these messages.
import { type CameraSettings, PORT_MESSAGE, type ToBridge, type ToPage } from '../messages.ts';

const TICKET_TIMEOUT_MS = 15_000;

export class BridgeChannel {
  #port: MessagePort | null = null;
  #queue: ToBridge[] = [];
  #settings: CameraSettings | null = null;
  #settingsWaiters: Array<(s: CameraSettings) => void> = [];
  #tickets = new Map<number, (m: Extract<ToPage, { type: 'ticket' }>) => void>();
  #nextId = 1;
  onSettings: (s: CameraSettings) => void = () => undefined;

  constructor() {
    const take = (e: MessageEvent) => {
      if (e.source !== window || (e.data as { type?: unknown })?.type !== PORT_MESSAGE || !e.ports[0]) return;
      e.stopImmediatePropagation();
      window.removeEventListener('message', take, true);
      this.#port = e.ports[0];
      this.#port.onmessage = (m: MessageEvent<ToPage>) => this.#receive(m.data);
      for (const q of this.#queue.splice(0)) this.#port.postMessage(q);
    };
    window.addEventListener('message', take, true);
  }

  #send(m: ToBridge): void {
    if (this.#port) this.#port.postMessage(m);
    else this.#queue.push(m);
  }

  #receive(m: ToPage): void {
    if (m.type === 'settings') {
      this.#settings = m.settings;
      for (const w of this.#settingsWaiters.splice(0)) w(m.settings);
      this.onSettings(m.settings);
    } else if (m.type === 'ticket') {
      this.#tickets.get(m.id)?.(m);
      this.#tickets.delete(m.id);
    }
  }

  /** The user's settings (the first arrive right after the port). */
  settings(): Promise<CameraSettings> {
    if (this.#settings) return Promise.resolve(this.#settings);
    return new Promise((resolve) => this.#settingsWaiters.push(resolve));
  }

  ticket(): Promise<string> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#tickets.delete(id);
        reject(new Error('the gazecam extension did not answer'));
      }, TICKET_TIMEOUT_MS);
      this.#tickets.set(id, (m) => {
        clearTimeout(t);
        if (m.ticket) resolve(m.ticket);
        else reject(new Error(m.error ? `${m.error.code}: ${m.error.message}` : 'no ticket'));
      });
      this.#send({ type: 'ticket', id });
    });
  }

  post(m: ToBridge): void {
    this.#send(m);
  }
}
