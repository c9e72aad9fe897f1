import { isIP } from 'node:net';
import { classifyAddress, type AddressClass } from '../client-auth/jwks/address-class.ts';

/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** RFC 7518 §3.3 and §3.5: RSA signing keys of 2048 bits or larger MUST be used. */
export const MIN_RSA_MODULUS_BITS = 2048;

/** A problem with one key of an inline key set; `path` is relative to the set, e.g. `keys[1].kid`. */
export interface KeyProblem {
  path: string;
  message: string;
}

/**
 * What is wrong with a client's inline JWK Set: private key material, RSA keys too short to sign with, and
 * a missing or repeated `kid`. A client assertion must name its key by `kid` and the key is chosen by it
 * (SMART Backend Services: a kid unique within the client's JWK Set; RFC 7517 §4.5), so a key without one
 * could never be used, even alone, and two keys with one kid could not be told apart.
 */
export function keySetProblems(keys: readonly Record<string, unknown>[]): KeyProblem[] {
  const problems: KeyProblem[] = [];
  const firstWithKid = new Map<string, number>();
  keys.forEach((key, i) => {
    const secret = PRIVATE_JWK_MEMBERS.filter((m) => m in key);
    if (secret.length) problems.push({ path: `keys[${i}]`, message: `must be a public key; remove ${secret.join(', ')}` });
    if (key.kty === 'RSA') {
      const bits = modulusBits(key.n);
      if (bits === undefined) problems.push({ path: `keys[${i}].n`, message: 'an RSA key needs its modulus n, base64url-encoded (RFC 7518 §6.3.1.1)' });
      else if (bits < MIN_RSA_MODULUS_BITS) {
        problems.push({ path: `keys[${i}].n`, message: `the RSA modulus has ${bits} bits; at least ${MIN_RSA_MODULUS_BITS} are required (RFC 7518 §3.3)` });
      }
    }
    if (typeof key.kid !== 'string' || key.kid === '') {
      problems.push({ path: `keys[${i}].kid`, message: 'is required: a client assertion names its key by kid' });
      return;
    }
    const first = firstWithKid.get(key.kid);
    if (first === undefined) firstWithKid.set(key.kid, i);
    else problems.push({ path: `keys[${i}].kid`, message: `"${key.kid}" is also the kid of keys[${first}]; each key needs its own kid` });
  });
  return problems;
}

/** Bits of a base64url RSA modulus (RFC 7518 §6.3.1.1, leading zero octets ignored); undefined if it is not one. */
function modulusBits(n: unknown): number | undefined {
  if (typeof n !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(n)) return undefined;
  const bytes = Buffer.from(n, 'base64url');
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  const top = bytes[start];
  if (top === undefined) return undefined;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(top));
}

/**
 * Why a `jwks_uri` names an address the JWKS fetcher would refuse to reach, judged at registration by what
 * the URL itself says: an IP literal by its class, `localhost` and `*.localhost` as loopback (RFC 6761 §6.3).
 * Other host names are not resolved here: what a name resolves to is its owner's to change at any time, so
 * only the fetcher's check of the address it actually connects to protects anything; resolving at
 * registration would prove nothing lasting and would tell anyone registering which internal names exist.
 */
export function jwksUriAddressProblem(uri: string, allowed: ReadonlySet<AddressClass>): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(uri).hostname.toLowerCase();
  } catch {
    return undefined; // not a URL: the URL rules report it
  }
  const literal = hostname.replace(/^\[|\]$/g, '');
  const name = hostname.replace(/\.$/, '');
  const kind: AddressClass | undefined = isIP(literal) ? classifyAddress(literal) : name === 'localhost' || name.endsWith('.localhost') ? 'loopback' : undefined;
  if (kind === undefined || kind === 'public' || allowed.has(kind)) return undefined;
  return `points at a ${kind} address, which the server will not fetch keys from`;
}
