import { expect } from "chai";
import { displayTokens } from "../../demo/narrate.ts";
import { intrinsicGasOf } from "../../demo/story.ts";

describe("demo helpers (pure)", () => {
  describe("displayTokens", () => {
    const cases: [amount: string | bigint, fractionDigits: number | undefined, shown: string][] = [
      ["1000", undefined, "1,000.000000"],
      ["0", undefined, "0.000000"],
      ["999003.993018960096783507", undefined, "999,003.993019"],
      [-996_006_981_039_903_216_493n, undefined, "-996.006981"],
      ["0.0000001", undefined, "<0.000001"],
      [-1n, 2, "-<0.01"],
      ["4950.406720974483796941", 2, "4,950.41"],
      ["1234.5", 0, "1,235"],
    ];
    for (const [amount, fractionDigits, shown] of cases) {
      it(`shows ${String(amount)} with ${fractionDigits ?? 6} decimals as ${shown}`, () => {
        expect(displayTokens(amount, fractionDigits)).to.equal(shown);
      });
    }
  });

  describe("intrinsicGasOf", () => {
    it("charges 21,000 plus 16 per non-zero and 4 per zero calldata byte", () => {
      expect(intrinsicGasOf("0x")).to.equal(21_000n);
      expect(intrinsicGasOf("0x0001ff00")).to.equal(21_000n + 4n + 16n + 16n + 4n);
    });
  });
});
