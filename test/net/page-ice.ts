// What a page's own RTCPeerConnections selected: an init script keeps every connection the page creates, and
// getStats names the local and remote candidate types of each one's selected pair.
import type { BrowserContext, Page } from 'playwright-core';

export interface SelectedPair {
  state: string;
  local: string;
  remote: string;
  localAddress: string;
  remoteAddress: string;
  bytesReceived: number;
  bytesSent: number;
}

/** Call before the page loads: its RTCPeerConnections are collected on window.__pcs. */
export async function trackPeerConnections(ctx: BrowserContext): Promise<void> {
  await ctx.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const all: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        all.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

/** The selected candidate pair of every open connection of the page. */
export function selectedPairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? [];
    const out: SelectedPair[] = [];
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const byId = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        byId.set(String(s.id), s);
      });
      const transport = [...byId.values()].find((s) => s.type === 'transport');
      const pair = byId.get(String(transport?.selectedCandidatePairId));
      const local = byId.get(String(pair?.localCandidateId));
      const remote = byId.get(String(pair?.remoteCandidateId));
      out.push({
        state: pc.connectionState,
        local: String(local?.candidateType ?? 'none'),
        remote: String(remote?.candidateType ?? 'none'),
        localAddress: `${local?.address ?? ''}:${local?.port ?? ''}`,
        remoteAddress: `${remote?.address ?? ''}:${remote?.port ?? ''}`,
        bytesReceived: Number(pair?.bytesReceived ?? 0),
        bytesSent: Number(pair?.bytesSent ?? 0),
      });
    }
    return out;
  });
}
