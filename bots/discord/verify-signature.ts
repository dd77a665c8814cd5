/**
 * Discord signs every interaction it POSTs to the endpoint: `X-Signature-Ed25519` is an Ed25519
 * signature over `X-Signature-Timestamp + raw body`, checkable with the app's public key (hex, from the
 * developer portal). Discord itself probes the endpoint with bad signatures and expects a 401.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const HEX_SIGNATURE = /^[0-9a-fA-F]{128}$/;

/** The app's raw 32-byte public key (64 hex digits) as a Node key object (wrapped as a JWK). */
export function discordPublicKey(hex: string): KeyObject {
  if (!HEX_KEY.test(hex)) throw new RangeError('a Discord public key is 64 hex digits');
  const x = Buffer.from(hex, 'hex').toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** True when `signature` (hex) signs `timestamp + body` under `publicKey`; false for anything malformed. */
export function verifyDiscordSignature(
  publicKey: KeyObject,
  signature: string | undefined,
  timestamp: string | undefined,
  body: Uint8Array,
): boolean {
  if (!signature || !timestamp || !HEX_SIGNATURE.test(signature)) return false;
  const message = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
  try {
    return verify(null, message, publicKey, Buffer.from(signature, 'hex'));
  } catch {
    return false;
  }
}
