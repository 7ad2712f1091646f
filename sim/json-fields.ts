/**
 * What the lab's strict JSON files (scenarios, sweeps) share: a short
 * preview of an offending value, and the "did you mean" for an unknown
 * field, since a typo must fail rather than fall back to a default.
 */

/** A value as an error message quotes it: its JSON, cut to 40 characters. */
export function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

// Levenshtein distance, to suggest the field a typo meant.
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Why `key` is not a field where `known` are: unknown, with the known field
 * it is nearest to (at most two edits away) and the list of known fields.
 *
 * @example
 * ```ts
 * unknownFieldReason("slipageBps", ["amountIn", "slippageBps"]);
 * // 'unknown field; did you mean "slippageBps"? (known fields: amountIn, slippageBps)'
 * ```
 */
export function unknownFieldReason(key: string, known: readonly string[]): string {
  const suggestion = known.find((candidate) => editDistance(candidate.toLowerCase(), key.toLowerCase()) <= 2);
  const hint = suggestion === undefined ? "" : `did you mean "${suggestion}"? `;
  return `unknown field; ${hint}(known fields: ${known.join(", ")})`;
}
