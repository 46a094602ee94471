// `npm start`: the call server (static client, signaling, SFU) with one inference agent process per user who
// turns a mode on. PORT (default 8080) and HOST (default 127.0.0.1) come from the environment; a non-loopback
// HOST serves HTTPS (TLS_CERT/TLS_KEY, else a self-signed certificate whose fingerprint is printed here). npm
// runs this file as its own child (`exec node --import tsx ...`, no tsx relay process between), so a signal npm
// passes on reaches the server; SIGINT, SIGTERM and SIGHUP all close it, and its spawner and agents end with it
// (they exit when their IPC channel to it closes).
import { loadConfig, setting } from '../config.ts';
import { ProcessAgentLauncher } from '../inference/agent/launcher.ts';
import { startApp } from '../server/app.ts';
import { createLogger } from '../util/logger.ts';
import { watchParent } from './parent-watch.ts';

const log = createLogger('cli:start');
/** A close that hangs must not keep the port: exit regardless after this long. */
const EXIT_DEADLINE_MS = 5000;

// Every setting is checked before anything starts: a bad value names its variable and stops here (exit 2).
try {
  loadConfig();
} catch (e) {
  process.stderr.write(`gazecam: ${(e as Error).message}\n`);
  process.exit(2);
}

// Agents run the frame pipeline unless AGENT_PROCESSOR_MODULE names another processor module. With
// AGENT_WORKERS=remote they run on inference workers only: no local spawner or warm agent.
const launcher = setting('AGENT_WORKERS') === 'remote' ? undefined : new ProcessAgentLauncher();
const app = await startApp({ launcher });
// The first warm agent times the pipeline here: AGENT_MAX follows from it unless set (logged, and in /stats).
launcher?.onCost((cost) => app.signaling.agents.sizeFromCost(cost));
// One write: whoever reads the banner (a person, a test polling for the URL) gets the fingerprint with it.
let banner = `gazecam call server: ${app.url}/  (open it in two browser windows; /healthz, /stats)\n`;
if (app.tls?.source === 'self-signed') {
  // Loud on purpose: this fingerprint is what users compare before they click through the browser warning.
  const line = '='.repeat(100);
  banner +=
    `${line}\nSELF-SIGNED CERTIFICATE (kept in ${app.tls.dir}). Browsers warn once per machine; proceed only if\n` +
    `the certificate's SHA-256 fingerprint (in the browser: the warning's certificate viewer) is\n` +
    `  ${app.tls.fingerprint}\nSet TLS_CERT and TLS_KEY to serve a real certificate instead.\n${line}\n`;
}
process.stdout.write(banner);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  log.info('shutting down');
  setTimeout(() => {
    log.error(`close did not finish within ${EXIT_DEADLINE_MS} ms; exiting`);
    process.exit(1);
  }, EXIT_DEADLINE_MS);
  launcher?.close();
  app
    .close()
    .catch((e) => log.error('close failed', e))
    .finally(() => setTimeout(() => process.exit(0), 200));
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
// Started by npm (npm_lifecycle_event is set): npm's death is ours too, whatever signal ended it.
if (process.env.npm_lifecycle_event)
  watchParent(() => {
    log.info('npm (the parent process) is gone');
    stop();
  });
