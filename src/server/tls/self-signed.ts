// A self-signed X.509 v3 certificate for the LAN case, built in DER and signed with node:crypto (ECDSA P-256,
// SHA-256): subjectAltName with the server's names and addresses, serverAuth only, not a CA.
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { AppError } from '../../util/errors.ts';
import {
  bitString,
  boolean,
  explicit,
  ipBytes,
  octetString,
  oid,
  sequence,
  set,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from './der.ts';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const KEY_USAGE = '2.5.29.15';
const SUBJECT_ALT_NAME = '2.5.29.17';
const BASIC_CONSTRAINTS = '2.5.29.19';
const EXT_KEY_USAGE = '2.5.29.37';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

export interface SelfSignedOptions {
  /** DNS names (e.g. localhost) and IP addresses the certificate covers. */
  dnsNames: string[];
  ips: string[];
  commonName?: string;
  /** Validity in days from now (browsers cap server certificates at 398). */
  days?: number;
  now?: Date;
}

export interface PemPair {
  cert: string;
  key: string;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

export function createSelfSigned(opts: SelfSignedOptions): PemPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = opts.now ?? new Date();
  // Backdated an hour: a client clock slightly behind still accepts it.
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(now.getTime() + (opts.days ?? 365) * 86400_000);
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const name = sequence(set(sequence(oid(COMMON_NAME), utf8String(opts.commonName ?? 'gazecam'))));
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const altNames = sequence(
    ...opts.dnsNames.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...opts.ips.map((ip) => tlv(0x87, ipBytes(ip))),
  );
  const extensions = sequence(
    extension(BASIC_CONSTRAINTS, true, sequence()),
    extension(KEY_USAGE, true, tlv(0x03, Buffer.from([0x07, 0x80]))), // digitalSignature
    extension(EXT_KEY_USAGE, false, sequence(oid(SERVER_AUTH))),
    extension(SUBJECT_ALT_NAME, false, altNames),
  );
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA-Sig-Value
  const der = sequence(tbs, algorithm, bitString(signature));
  const cert = pem('CERTIFICATE', der);
  // Parsing it back proves the encoding and the signature before anything serves it.
  const x509 = new X509Certificate(cert);
  if (!x509.verify(publicKey)) throw new AppError('INTERNAL', 'self-signed certificate does not verify');
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
