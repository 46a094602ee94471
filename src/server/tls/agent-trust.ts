// Agents connect back to the server's own URL. Over TLS they pin the certificate the server serves (a
// self-signed one is in no trust store, and a real one names a domain, not the listen address).
import type { AgentLauncher } from '../../signaling/agents.ts';

export function launcherTrusting(inner: AgentLauncher, serverCert: string): AgentLauncher {
  return { launch: (o) => inner.launch({ ...o, serverCert }) };
}
