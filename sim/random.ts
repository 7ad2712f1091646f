/**
 * The simulation's seeded randomness.
 *
 * A scenario run must be reproducible from its seed on any machine, so the
 * stream comes from keccak256 rather than `Math.random` or a
 * platform-dependent generator: block i of the stream is
 * keccak256(seed ‖ i) with both as 32-byte big-endian words, read as four
 * 64-bit draws. The floating-point transforms (`Math.log`, `exp`, `cos`) are
 * V8's own fdlibm port, so they too give the same bits on every platform Node
 * runs on.
 */
import { type Hex, hexToBigInt, isHex, keccak256 } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";

/** A deterministic stream of random draws; see {@link createRandom}. */
export interface Random {
  /** A uniform number in [0, 1), with 53 random bits. */
  next(): number;
  /** A uniform integer in [0, maxExclusive), without modulo bias. */
  int(maxExclusive: number): number;
  /** A Poisson-distributed count with the given mean (e.g. arrivals in a slot). */
  poisson(mean: number): number;
  /** A log-normal draw: `median · e^(sigma · Z)` with Z standard normal. */
  lognormal(median: number, sigma: number): number;
  /** A uniformly shuffled copy of `items` (Fisher–Yates); `items` is left as it was. */
  shuffle<T>(items: readonly T[]): T[];
}

/** Thrown for a seed or a distribution parameter the generator cannot use. */
export class RandomParameterError extends XrollupError {
  override name = "RandomParameterError";
  /** The offending parameter, e.g. `"seed"` or `"mean"`. */
  readonly parameter: string;
  constructor({ parameter, reason, value }: { parameter: string; reason: string; value: unknown }) {
    super(`Invalid random parameter: ${parameter} ${reason}, got ${String(value)}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
    this.parameter = parameter;
  }
}

const WORD_BYTES = 32;
const TWO_POW_53 = 2 ** 53;
// Knuth's Poisson sampler multiplies uniforms until they fall below e^-mean,
// which loses precision for large means; a Poisson(mean) is the sum of
// Poisson draws of means adding up to it, so large means go in chunks.
const POISSON_CHUNK = 30;

function seedWord(seed: number | Hex): Uint8Array {
  let value: bigint;
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RandomParameterError({ parameter: "seed", reason: "must be a non-negative safe integer or a hex string", value: seed });
    value = BigInt(seed);
  } else {
    if (!isHex(seed, { strict: true }) || seed.length < 3 || seed.length > 2 + 2 * WORD_BYTES) {
      throw new RandomParameterError({ parameter: "seed", reason: "must be a 0x-prefixed hex string of at most 32 bytes", value: seed });
    }
    value = hexToBigInt(seed);
  }
  // Both forms become the same 32-byte word, so seed 7 and "0x07" give one stream.
  const word = new Uint8Array(WORD_BYTES);
  for (let i = WORD_BYTES - 1; i >= 0 && value > 0n; i--) {
    word[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return word;
}

/**
 * Creates a seeded random stream; the same seed gives the same draws on every
 * run and platform. A number seed and a hex seed of the same value are the
 * same seed.
 *
 * @throws {RandomParameterError} for a negative or fractional number seed, or a hex seed longer than 32 bytes.
 * @example
 * ```ts
 * const random = createRandom(7);
 * const arrivals = random.poisson(3);
 * const [first] = random.shuffle(["fcfs", "encrypted"]);
 * ```
 */
export function createRandom(seed: number | Hex): Random {
  const input = new Uint8Array(2 * WORD_BYTES);
  input.set(seedWord(seed), 0);
  const counter = new DataView(input.buffer, WORD_BYTES, WORD_BYTES);
  let block: DataView = new DataView(new ArrayBuffer(WORD_BYTES));
  let blockIndex = 0;
  let drawInBlock = 4;

  // The next 53 random bits, as an integer in [0, 2^53).
  function next53(): number {
    if (drawInBlock === 4) {
      // The block index fits in 53 bits long before anyone could exhaust it; write it as the low 8 bytes of the counter word.
      counter.setBigUint64(WORD_BYTES - 8, BigInt(blockIndex));
      const hash = keccak256(input, "bytes");
      block = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
      blockIndex++;
      drawInBlock = 0;
    }
    const offset = 8 * drawInBlock++;
    const high = block.getUint32(offset);
    const low = block.getUint32(offset + 4);
    // The top 53 of the 64 bits: 32 from `high`, 21 from `low`.
    return high * 2 ** 21 + (low >>> 11);
  }

  const next = (): number => next53() / TWO_POW_53;

  function int(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1) {
      throw new RandomParameterError({ parameter: "maxExclusive", reason: "must be a positive safe integer", value: maxExclusive });
    }
    // Reject the top partial range so every residue is equally likely.
    const limit = TWO_POW_53 - (TWO_POW_53 % maxExclusive);
    for (;;) {
      const draw = next53();
      if (draw < limit) return draw % maxExclusive;
    }
  }

  function poisson(mean: number): number {
    if (!Number.isFinite(mean) || mean < 0) throw new RandomParameterError({ parameter: "mean", reason: "must be a finite non-negative number", value: mean });
    let count = 0;
    for (let remaining = mean; remaining > 0; remaining -= POISSON_CHUNK) {
      const threshold = Math.exp(-Math.min(remaining, POISSON_CHUNK));
      let product = next();
      while (product > threshold) {
        count++;
        product *= next();
      }
    }
    return count;
  }

  function lognormal(median: number, sigma: number): number {
    if (!Number.isFinite(median) || median <= 0) throw new RandomParameterError({ parameter: "median", reason: "must be a finite positive number", value: median });
    if (!Number.isFinite(sigma) || sigma < 0) throw new RandomParameterError({ parameter: "sigma", reason: "must be a finite non-negative number", value: sigma });
    // Box–Muller; 1 - next() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const normal = radius * Math.cos(2 * Math.PI * next());
    return median * Math.exp(sigma * normal);
  }

  function shuffle<T>(items: readonly T[]): T[] {
    const result = [...items];
    for (let i = result.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [result[i], result[j]] = [result[j] as T, result[i] as T];
    }
    return result;
  }

  return { next, int, poisson, lognormal, shuffle };
}
