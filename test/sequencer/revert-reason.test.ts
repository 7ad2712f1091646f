import { expect } from "chai";
import { encodeErrorResult, keccak256, toHex } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import { describeRevert } from "../../sequencer/revert-reason.ts";
import { labelAddress } from "../support/fixtures.ts";

describe("revert reasons", () => {
  const vault = artifact("Vault").abi;
  const bridged = artifact("BridgedToken").abi;
  const messenger = artifact("L2ToL2CrossDomainMessenger").abi;
  const to = labelAddress("swap and deposit");
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
});
