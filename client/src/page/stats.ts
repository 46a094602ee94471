// The stats overlay (header checkbox): per tile, what this browser receives or sends and what the agent reports.
import { state } from './state.ts';

export async function renderStats(): Promise<void> {
  const call = state.call;
  if (!call) return;
  const [inbound, sent] = await Promise.all([call.subscriber.videoStats(), call.sendStats()]);
  for (const p of call.list()) {
    const el = document.querySelector(`.tile[data-participant="${p.id}"] .stats`);
    if (!el) continue;
    const s = call.statuses.get(p.id);
    const lines: string[] = [];
    if (p.id === call.me) {
      lines.push(`camera out ${sent.fps.toFixed(0)} fps ${sent.width}x${sent.height}`);
      if (sent.limited !== 'none') lines.push(`limited by ${sent.limited}`);
    } else {
      const r = inbound.get(p.id);
      if (r) {
        lines.push(`received ${r.fps.toFixed(0)} fps ${r.width}x${r.height}`);
        lines.push(`dropped here ${r.dropped}, jitter buffer ${r.jitterMs.toFixed(0)} ms`);
      }
    }
    if (s && p.mode !== 'none') {
      lines.push(`agent ${s.state}: out ${s.fps.toFixed(1)} fps, dropped ${s.drops}`);
      lines.push(`inference ${s.ms.toFixed(1)} ms/frame`);
      // The video's added latency as the agent measures it; the audio delay is what lip sync adds to audio
      // (0 when audio's own lag already covers the video's), not the video's latency.
      if (s.videoDelayMs !== undefined) lines.push(`added video latency ${s.videoDelayMs} ms`);
      if (s.audioDelayMs !== undefined)
        lines.push(
          s.audioDelayMs > 0
            ? `audio delayed ${s.audioDelayMs} ms to match`
            : 'audio not delayed (its own lag covers the video)',
        );
      if (s.message) lines.push(s.message);
    }
    el.textContent = lines.join('\n');
  }
}
