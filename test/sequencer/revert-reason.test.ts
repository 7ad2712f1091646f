import { expect } from "chai";
import { type Address, encodeErrorResult, type Hex, keccak256, numberToHex, padHex, toHex } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import { describeRevert, MAX_DESCRIBED_STRING_BYTES, MAX_REVERT_NESTING } from "../../sequencer/revert-reason.ts";
import { labelAddress } from "../support/fixtures.ts";

describe("revert reasons", () => {
  const vault = artifact("Vault").abi;
  const bridged = artifact("BridgedToken").abi;
  const messenger = artifact("L2ToL2CrossDomainMessenger").abi;
  const to = labelAddress("swap and deposit");
  /** The first 36 bytes, then "…": how data that is not described is shown. */
  const abbreviated = (data: Hex) => (data.length > 74 ? `${data.slice(0, 74)}…` : data);
  const capExceeded = encodeErrorResult({ abi: vault, errorName: "DepositCapExceeded", args: [6n, 5n] });

  const cases: { name: string; data: unknown; expected: string }[] = [
    { name: "no data", data: "0x", expected: "reverted without a reason" },
    { name: "not hex at all", data: undefined, expected: "reverted without a reason" },
    { name: "Error(string)", data: encodeErrorResult({ abi: [{ type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] }], errorName: "Error", args: ["too late"] }), expected: "reverted: too late" },
    { name: "a custom error with its arguments", data: capExceeded, expected: "reverted with DepositCapExceeded(totalAfter: 6, cap: 5)" },
    {
      name: "an error carrying another as bytes, decoded to the innermost",
      data: encodeErrorResult({ abi: bridged, errorName: "CallFailed", args: [to, capExceeded] }),
      expected: `reverted with CallFailed(to: ${to}, returnData: DepositCapExceeded(totalAfter: 6, cap: 5))`,
    },
    {
      name: "the messenger's TargetCallFailed, unwrapped to its target's reason",
      data: encodeErrorResult({ abi: messenger, errorName: "TargetCallFailed", args: [to, capExceeded] }),
      expected: "reverted with DepositCapExceeded(totalAfter: 6, cap: 5)",
    },
    {
      name: "unknown error data, abbreviated",
      data: `0xdeadbeef${"00".repeat(64)}`,
      expected: `reverted with unknown error data 0xdeadbeef${"00".repeat(32)}…`,
    },
  ];
  for (const { name, data, expected } of cases) {
    it(`describes ${name}`, () => {
      expect(describeRevert(data)).to.equal(expected);
    });
  }

  it("leaves bytes that are not error data as they are", () => {
    const data = encodeErrorResult({ abi: bridged, errorName: "CallFailed", args: [to, keccak256(toHex("x"))] });
    expect(describeRevert(data)).to.equal(`reverted with CallFailed(to: ${to}, returnData: ${keccak256(toHex("x"))})`);
  });

  describe("nested revert data", () => {
    const targetCallFailed = (target: Address, inner: Hex) => encodeErrorResult({ abi: messenger, errorName: "TargetCallFailed", args: [target, inner] });
    const callFailed = (target: Address, inner: Hex) => encodeErrorResult({ abi: bridged, errorName: "CallFailed", args: [target, inner] });
    const selectorOf = (encode: (target: Address, inner: Hex) => Hex) => encode(to, "0x").slice(0, 10) as Hex;

    /**
     * `depth` errors `(address, bytes)` with `selector`, each carrying the
     * next, around `innermost`: written head to tail in linear time, where
     * wrapping with viem 3000 times would take quadratic time.
     */
    function nest(selector: Hex, innermost: Hex, depth: number): Hex {
      const heads: string[] = [];
      const paddings: string[] = [];
      let length = (innermost.length - 2) / 2;
      for (let level = 0; level < depth; level++) {
        const padding = (32 - (length % 32)) % 32;
        heads.push(`${selector.slice(2)}${padHex(to.toLowerCase() as Hex, { size: 32 }).slice(2)}${numberToHex(64, { size: 32 }).slice(2)}${numberToHex(length, { size: 32 }).slice(2)}`);
        paddings.push("00".repeat(padding));
        length = 4 + 3 * 32 + length + padding;
      }
      return `0x${heads.reverse().join("")}${innermost.slice(2)}${paddings.join("")}`;
    }

    it("builds the same bytes as viem's encoder", () => {
      expect(nest(selectorOf(targetCallFailed), capExceeded, 3)).to.equal(targetCallFailed(to, targetCallFailed(to, targetCallFailed(to, capExceeded))));
      expect(nest(selectorOf(callFailed), "0x0102", 2)).to.equal(callFailed(to, callFailed(to, "0x0102")));
    });

    it(`unwraps TargetCallFailed down to the reason ${MAX_REVERT_NESTING} levels deep`, () => {
      const data = nest(selectorOf(targetCallFailed), capExceeded, MAX_REVERT_NESTING - 1);
      expect(describeRevert(data)).to.equal("reverted with DepositCapExceeded(totalAfter: 6, cap: 5)");
    });

    it("stops one level further and shows the data there, abbreviated", () => {
      const data = nest(selectorOf(targetCallFailed), capExceeded, MAX_REVERT_NESTING);
      expect(describeRevert(data)).to.equal(`reverted with error data nested more than ${MAX_REVERT_NESTING} levels deep: ${abbreviated(capExceeded)}`);
    });

    it("formats errors carried in errors, up to the same depth", () => {
      const shallow = `CallFailed(to: ${to}, returnData: CallFailed(to: ${to}, returnData: DepositCapExceeded(totalAfter: 6, cap: 5)))`;
      expect(describeRevert(nest(selectorOf(callFailed), capExceeded, 2))).to.equal(`reverted with ${shallow}`);
      const deep = `${`CallFailed(to: ${to}, returnData: `.repeat(MAX_REVERT_NESTING)}${abbreviated(capExceeded)}${")".repeat(MAX_REVERT_NESTING)}`;
      expect(describeRevert(nest(selectorOf(callFailed), capExceeded, MAX_REVERT_NESTING))).to.equal(`reverted with ${deep}`);
    });

    it("describes 384 KB of TargetCallFailed nested 3000 times without reading past the cap", () => {
      const data = nest(selectorOf(targetCallFailed), capExceeded, 3000);
      expect((data.length - 2) / 2).to.be.greaterThan(384_000);
      const beyondCap = nest(selectorOf(targetCallFailed), capExceeded, 3000 - MAX_REVERT_NESTING);
      expect(describeRevert(data)).to.equal(`reverted with error data nested more than ${MAX_REVERT_NESTING} levels deep: ${abbreviated(beyondCap)}`);
    });

    it("describes 384 KB of CallFailed nested 3000 times, formatting the first levels", () => {
      const data = nest(selectorOf(callFailed), capExceeded, 3000);
      const beyondCap = nest(selectorOf(callFailed), capExceeded, 3000 - MAX_REVERT_NESTING);
      const expected = `${`CallFailed(to: ${to}, returnData: `.repeat(MAX_REVERT_NESTING)}${abbreviated(beyondCap)}${")".repeat(MAX_REVERT_NESTING)}`;
      expect(describeRevert(data)).to.equal(`reverted with ${expected}`);
    });
  });

  it(`cuts an Error(string) message after ${MAX_DESCRIBED_STRING_BYTES} bytes`, () => {
    const errorAbi = [{ type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] }] as const;
    const message = "a".repeat(100_000);
    const data = encodeErrorResult({ abi: errorAbi, errorName: "Error", args: [message] });
    expect(describeRevert(data)).to.equal(`reverted: ${"a".repeat(MAX_DESCRIBED_STRING_BYTES)}… (100000 bytes)`);
  });

  it("treats a bytes argument that runs past the data as unknown error data", () => {
    const truncated = capExceeded.slice(0, -64) as Hex;
    const data = encodeErrorResult({ abi: bridged, errorName: "CallFailed", args: [to, capExceeded] }).slice(0, -64) as Hex;
    expect(describeRevert(data)).to.equal(`reverted with unknown error data ${abbreviated(data)}`);
    expect(describeRevert(truncated)).to.equal(`reverted with unknown error data ${abbreviated(truncated)}`);
  });
});
