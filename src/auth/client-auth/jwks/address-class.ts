import { isIP } from 'node:net';

/**
 * What kind of address an outbound request would reach (IANA IPv4/IPv6 special-purpose registries,
 * RFC 6890). Only `public` is reachable by default; the others are refused unless a setting allows them.
 */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unique-local' | 'unspecified' | 'multicast' | 'reserved';

type Rule = readonly [prefix: string, bits: number, kind: AddressClass];

const IPV4_RULES: readonly Rule[] = [
  ['0.0.0.0', 8, 'unspecified'], // "this network"
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes cloud metadata 169.254.169.254
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255
];

const IPV6_RULES: readonly Rule[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'], // deprecated IPv4-compatible
  // Local-use IPv4/IPv6 translation (RFC 8215): not globally reachable, and where the IPv4 address it reaches
  // sits depends on the prefix length of the local translator (RFC 6052 §2.2), so it is judged as a whole.
  ['64:ff9b:1::', 48, 'private'],
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 23, 'reserved'], // IETF protocol assignments (Teredo etc.)
  ['2001:db8::', 32, 'reserved'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'reserved'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
];

/** The first 12 bytes of IPv6 addresses whose last 4 are the IPv4 address they reach. */
const EMBEDDED_IPV4_PREFIXES: readonly (readonly number[])[] = [
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff],
  [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0],
  [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0],
];

/** The class of an IP address literal; `reserved` for anything that is not a valid IP. */
export function classifyAddress(address: string): AddressClass {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(ip);
  if (version === 4) return classifyBytes(ipv4Bytes(ip), IPV4_RULES);
  if (version !== 6) return 'reserved';
  const bytes = ipv6Bytes(ip.replace(/%.*$/, ''));
  if (!bytes) return 'reserved';
  // Addresses that carry an IPv4 address are judged by it: mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96
  // (RFC 2765 §2.1, SIIT), NAT64's well-known prefix 64:ff9b::/96 (RFC 6052 §2.1), 6to4 2002::/16.
  if (EMBEDDED_IPV4_PREFIXES.some((prefix) => startsWith(bytes, prefix))) return classifyBytes(bytes.slice(12), IPV4_RULES);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return classifyBytes(bytes.slice(2, 6), IPV4_RULES);
  return classifyBytes(bytes, IPV6_RULES);
}

function classifyBytes(bytes: number[], rules: readonly Rule[]): AddressClass {
  // Most specific rule first: ::1/128 must win over ::/96.
  let best: { bits: number; kind: AddressClass } | undefined;
  for (const [prefix, bits, kind] of rules) {
    const p = bytes.length === 4 ? ipv4Bytes(prefix) : ipv6Bytes(prefix);
    if (p && matchesPrefix(bytes, p, bits) && (!best || bits > best.bits)) best = { bits, kind };
  }
  return best?.kind ?? 'public';
}

function matchesPrefix(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function startsWith(bytes: number[], head: readonly number[]): boolean {
  return head.every((b, i) => bytes[i] === b);
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The 16 bytes of an IPv6 literal (with `::` and a trailing dotted quad), or undefined. */
function ipv6Bytes(ip: string): number[] | undefined {
  let text = ip;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (quad?.[1]) {
    tail = ipv4Bytes(quad[1]);
    text = text.slice(0, -quad[1].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [headText, restText] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = groups(headText);
  const rest = restText === undefined ? [] : groups(restText);
  const missing = 8 - tail.length / 2 - head.length - rest.length;
  if (missing < 0 || (restText === undefined && missing !== 0)) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...rest];
  const bytes = words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff]);
  return [...bytes, ...tail];
}
