// Network namespaces as separate hosts (root only): each gets a veth pair to this namespace, its own /24, lo up
// and a default route back here, so a process inside reaches a server listening on any of this side's veth
// addresses and nothing else. Deleted after the test (processes inside must be stopped first).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const IP = '/usr/sbin/ip';

export interface Netns {
  name: string;
  /** This side's address on the pair (the "host" gateway). */
  hostAddress: string;
  /** The namespace's own address. */
  address: string;
  /** Runs a command inside: prefix for spawn. */
  exec: string[];
  remove(): void;
}

const ip = (...args: string[]) => execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Can this process make namespaces here? (root, iproute2, and a kernel that lets it.) */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0 || !existsSync(IP)) return false;
  const probe = `gzcp${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

/** `index` picks the subnet: 10.231.<n>.0/24 with n derived from this process's pid and the index. */
export function createNetns(index: number): Netns {
  const n = ((process.pid % 100) * 2 + index) % 250;
  const name = `gzc${process.pid}n${index}`;
  const hostIf = `gzc${process.pid % 100000}h${index}`;
  const nsIf = `gzc${process.pid % 100000}i${index}`;
  const hostAddress = `10.231.${n}.1`;
  const address = `10.231.${n}.2`;
  ip('netns', 'add', name);
  try {
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', name);
    ip('addr', 'add', `${hostAddress}/24`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    const inNs = (...a: string[]) => ip('netns', 'exec', name, IP, ...a);
    inNs('addr', 'add', `${address}/24`, 'dev', nsIf);
    inNs('link', 'set', nsIf, 'up');
    inNs('link', 'set', 'lo', 'up');
    inNs('route', 'add', 'default', 'via', hostAddress);
  } catch (e) {
    remove();
    throw e;
  }
  function remove() {
    try {
      ip('link', 'del', hostIf);
    } catch {
      // gone with the namespace
    }
    try {
      ip('netns', 'del', name);
    } catch {
      // already gone
    }
  }
  return { name, hostAddress, address, exec: [IP, 'netns', 'exec', name], remove };
}
