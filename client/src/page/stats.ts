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
      if (s.audioDelayMs !== undefined)
        lines.push(`added latency ${s.audioDelayMs} ms (audio delayed to match)`);
      if (s.message) lines.push(s.message);
    }
    el.textContent = lines.join('\n');
  }
}
