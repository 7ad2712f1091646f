/**
 * Decimal token amounts, as scenario files write them and reports print them.
 *
 * Amounts are exact: a scenario says `"0.5"` and the simulation works with
 * 500000000000000000 wei; a report prints every one of the 18 decimals so a
 * reader can add up the columns to the wei. Floating point never touches them.
 */

/** Decimals of every token in the lab (the demo ERC-20s and ETH alike). */
export const TOKEN_DECIMALS = 18;

/** Decimals of a gwei amount, for gas prices and tips written in gwei. */
export const GWEI_DECIMALS = 9;

// Plain decimal only: no sign, exponent, separators, or bare "." ends, so a
// typo such as "1e3" or "1,000" cannot be read as some other amount.
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a non-negative plain decimal (`"1000"`, `"0.5"`) into base units with
 * `decimals` fractional digits. Returns `undefined` if the text is not such a
 * decimal or has more fractional digits than `decimals` (rounding would
 * silently change the amount).
 *
 * @example
 * ```ts
 * parseDecimal("0.5", 18); // 500000000000000000n
 * parseDecimal("1e3", 18); // undefined
 * ```
 */
export function parseDecimal(text: string, decimals: number): bigint | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) return undefined;
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/**
 * Reads back an amount as {@link formatTokens} writes it (a sign, then a
 * plain decimal with up to 18 decimals) in wei; `undefined` for anything else.
 *
 * @example
 * ```ts
 * parseTokens("-0.000000000000000001"); // -1n
 * ```
 */
export function parseTokens(text: string): bigint | undefined {
  const negative = text.startsWith("-");
  const wei = parseDecimal(negative ? text.slice(1) : text, TOKEN_DECIMALS);
  return wei === undefined ? undefined : negative ? -wei : wei;
}

/**
 * Formats a wei amount as whole tokens with all 18 decimals, e.g.
 * `12500000000000000000n` → `"12.500000000000000000"`; negative amounts get a
 * leading `-`. This is the exact form used in JSON results.
 *
 * @example
 * ```ts
 * formatTokens(-1n); // "-0.000000000000000001"
 * ```
 */
export function formatTokens(wei: bigint): string {
  const sign = wei < 0n ? "-" : "";
  const magnitude = wei < 0n ? -wei : wei;
  const unit = 10n ** BigInt(TOKEN_DECIMALS);
  const fraction = (magnitude % unit).toString().padStart(TOKEN_DECIMALS, "0");
  return `${sign}${magnitude / unit}.${fraction}`;
}
