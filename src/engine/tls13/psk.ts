import type { CryptoProvider, HashAlgorithm } from '../../crypto/provider.js';
import { bindersLength } from '../../wire/extensions.js';
import type { Transcript } from '../transcript.js';
import { KeySchedule13 } from './key-schedule.js';

/**
 * The PSK binder (RFC 8446 4.2.11.2): the Finished-style HMAC under the "res binder" key of the
 * PSK's early secret, over the transcript hash up to and including the ClientHello truncated
 * before its binders list.
 */
export function pskBinder(provider: CryptoProvider, hash: HashAlgorithm, psk: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  return binderOf(new KeySchedule13(provider, hash, psk), transcriptHash);
}

/**
 * The binder from a key schedule already started with the PSK: a server that accepts the PSK goes
 * on with that schedule rather than extracting the same Early Secret again.
 */
export function binderOf(schedule: KeySchedule13, transcriptHash: Uint8Array): Uint8Array {
  return schedule.finishedVerifyData(schedule.binderKey(false), transcriptHash);
}

/**
 * The hash a binder covers: the transcript so far (nothing for a first ClientHello; message_hash
 * and HelloRetryRequest after a retry) then the encoded ClientHello message without its binders.
 */
export function binderTranscriptHash(transcript: Transcript, hash: HashAlgorithm, encodedHello: Uint8Array, binders: Uint8Array[]): Uint8Array {
  return transcript.hashWith(encodedHello.subarray(0, encodedHello.length - bindersLength(binders)), hash);
}

/**
 * Writes binders into the tail of an encoded ClientHello whose pre_shared_key extension (always
 * the last one) was encoded with placeholder binders of the same lengths.
 */
export function patchBinders(encodedHello: Uint8Array, binders: Uint8Array[]): void {
  let at = encodedHello.length - bindersLength(binders) + 2;
  for (const b of binders) {
    encodedHello[at] = b.length;
    encodedHello.set(b, at + 1);
    at += 1 + b.length;
  }
}

/**
 * obfuscated_ticket_age (RFC 8446 4.2.11.1): the ticket's age in milliseconds plus the server's
 * ticket_age_add, modulo 2^32.
 */
export function obfuscatedTicketAge(now: number, receivedAt: number, ageAdd: number): number {
  return (Math.max(0, Math.floor(now - receivedAt)) + ageAdd) % 0x1_0000_0000;
}

/** The age the client reports for a ticket: obfuscated age minus ticket_age_add, modulo 2^32. */
export function clientTicketAge(obfuscatedAge: number, ageAdd: number): number {
  return (obfuscatedAge - ageAdd + 0x1_0000_0000) % 0x1_0000_0000;
}
