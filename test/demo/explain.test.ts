import { expect } from "chai";
import { explainReason, tokenUnits } from "../../demo/explain.ts";
import type { FailedLeg } from "../../sequencer/reasons.ts";

const labels = { 901: "A", 902: "B" };
const vault = "0x73511669fd4dE447feD18BB79bAFeAC93aB7F31f";

/** The sequencer's words for the demo's three staged failures, as it says them today. */
const CAP_EXCEEDED =
  `the action on rollup 902 (target ${vault}) failed: reverted with CallFailed(to: 0xB581C9264f59BF0289fA76D61B2D0746dCE3C30D, ` +
  "returnData: DepositCapExceeded(totalAfter: 5946413702014387013434, cap: 5000000000000000000000))";
const SLIPPAGE =
  "reverted on rollup 901 (to 0xB581C9264f59BF0289fA76D61B2D0746dCE3C30D): reverted with " +
  "InsufficientOutput(amountOut: 994021919267126764344, minOut: 1003962138459798031987)";
const OUT_OF_GAS = `the action on rollup 902 (target ${vault}) failed: reverted with ActionOutOfGas(target: ${vault}, gasLimit: 30000)`;

describe("explainReason: the demo's drop reasons in words, with token units (pure)", () => {
  const cases: { name: string; code: "reverted" | "action-reverted"; reason: string; technical: string; plain: string }[] = [
    {
      name: "the full vault",
      code: "action-reverted",
      reason: CAP_EXCEEDED,
      technical: "the action on rollup 902 reverted: DepositCapExceeded — the deposit would bring the vault to 5,946.41 xUSD, over its cap of 5,000 xUSD",
      plain:
        "The vault on chain B is full: this deposit would bring it to 5,946.41 xUSD, but it only takes 5,000 xUSD. " +
        "So nothing happened on either chain.",
    },
    {
      name: "slippage",
      code: "reverted",
      reason: SLIPPAGE,
      technical:
        "the transaction on rollup 901 reverted: InsufficientOutput — the swap would pay 994.02 xUSD, less than the 1,003.96 xUSD the user accepts at least",
      plain:
        "The price on chain A is worse than the user accepts: the swap would pay 994.02 xUSD, but they asked for at least 1,003.96 xUSD. " +
        "So nothing happened on either chain.",
    },
    {
      name: "the starved action",
      code: "action-reverted",
      reason: OUT_OF_GAS,
      technical: "the action on rollup 902 reverted: ActionOutOfGas — it was given 30,000 gas, too little to run",
      plain:
        "The step on chain B ran out of gas (the fee budget for its work): it was given only 30,000, far too little. " +
        "So nothing happened on either chain.",
    },
  ];
  for (const { name, code, reason, technical, plain } of cases) {
    it(`words ${name} technically, without wei`, () => {
      expect(explainReason(code, reason, undefined, { plain: false, chainLabels: labels })).to.equal(technical);
    });
    it(`words ${name} plainly, without jargon`, () => {
      const words = explainReason(code, reason, undefined, { plain: true, chainLabels: labels });
      expect(words).to.equal(plain);
      expect(words).not.to.match(/revert|rollup|globalSeq|slot|\d{7,}/i);
    });
  }

  it("takes the place of the failure from the failed leg when the sequencer gives one", () => {
    const failedLeg: FailedLeg = { role: "action", chainId: 905, target: vault, data: "0x", depth: 1 };
    expect(explainReason("action-reverted", CAP_EXCEEDED, failedLeg, { plain: false })).to.match(/^the action on rollup 905 reverted/);
    expect(explainReason("action-reverted", CAP_EXCEEDED, failedLeg, { plain: true })).to.match(/^The vault on chain 905 is full/);
  });

  it("passes any other reason through unchanged, in both wordings", () => {
    const others: [code: "fee-too-low" | "reverted" | "action-reverted", reason: string][] = [
      ["fee-too-low", "max fee per gas 1 is below the block's base fee 7"],
      ["reverted", "reverted on rollup 901 (to 0x00…): reverted with Unauthorized()"],
      ["action-reverted", "the action on rollup 902 failed: DepositCapExceeded(totalAfter: lots, cap: 5)"],
    ];
    for (const [code, reason] of others) {
      for (const plain of [false, true]) expect(explainReason(code, reason, undefined, { plain })).to.equal(reason);
    }
  });

  describe("tokenUnits", () => {
    const cases: [amount: bigint, shown: string][] = [
      [5_946_413_702_014_387_013_434n, "5,946.41 xUSD"],
      [5_000n * 10n ** 18n, "5,000 xUSD"],
      [10n ** 16n, "0.01 xUSD"],
      [4n * 10n ** 15n, "0 xUSD"],
      [19_999_995n * 10n ** 15n, "20,000 xUSD"],
    ];
    for (const [amount, shown] of cases) it(`shows ${amount} wei as ${shown}`, () => expect(tokenUnits(amount)).to.equal(shown));
  });
});
