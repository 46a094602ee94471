// Two network "hosts" on one machine: two network namespaces joined by a veth pair (one address each, lo up
// in both), unique names per run, and a wrapper that starts a program inside one of them. Deleting a
// namespace deletes its end of the pair, and with it the other end.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const IP = process.env.IP_PATH ?? '/usr/sbin/ip';

function ip(...args: string[]): void {
  execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** '' when this process may create namespaces and veth pairs, else why not. */
export function netnsRefused(): string {
  const probe = `gzprobe${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('-n', probe, 'link', 'add', 'vp0', 'type', 'veth', 'peer', 'name', 'vp1');
    return '';
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return `network namespaces refused here (${(err.stderr?.toString() || err.message).trim()})`;
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // never made
    }
  }
}

export interface NetnsHost {
  ns: string;
  address: string;
  /** An executable that runs `program "$@"` inside this namespace. */
  wrap(program: string): string;
}

export interface NetnsPair {
  server: NetnsHost;
  client: NetnsHost;
  close(): void;
}

/** Namespaces `gzs-<id>` and `gzc-<id>`, veth ends `vethgs<id>` (10.77.0.1/24) and `vethgc<id>` (10.77.0.2/24). */
export function createNetnsPair(): NetnsPair {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'netns-'));
  const made: string[] = [];
  const close = () => {
    for (const ns of made.splice(0)) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const host = (ns: string, address: string): NetnsHost => ({
    ns,
    address,
    wrap(program) {
      const path = join(dir, `${ns}-${program.split('/').pop()}`);
      writeFileSync(path, `#!/bin/sh\nexec ${IP} netns exec ${ns} ${program} "$@"\n`);
      chmodSync(path, 0o755);
      return path;
    },
  });
  try {
    const server = host(`gzs-${id}`, '10.77.0.1');
    const client = host(`gzc-${id}`, '10.77.0.2');
    const ends = [`vethgs${id}`, `vethgc${id}`];
    for (const h of [server, client]) {
      ip('netns', 'add', h.ns);
      made.push(h.ns);
      ip('-n', h.ns, 'link', 'set', 'lo', 'up');
    }
    ip('-n', server.ns, 'link', 'add', ends[0], 'type', 'veth', 'peer', 'name', ends[1], 'netns', client.ns);
    for (const [h, end] of [
      [server, ends[0]],
      [client, ends[1]],
    ] as const) {
      ip('-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', end);
      ip('-n', h.ns, 'link', 'set', end, 'up');
    }
    return { server, client, close };
  } catch (e) {
    close();
    throw e;
  }
}
