import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { encodeErrorResult, type Hex, toFunctionSelector } from "viem";
import { AbiRegistry, ARTIFACTS_RECHECK_MS, ArtifactsDirError } from "../../contracts/abi-registry.ts";
import { artifact } from "../../contracts/artifacts.ts";
import { InvalidDevnetConfigError, resolveDevnetConfig } from "../../devnet/config.ts";
import { actionRevertData, describeRevert } from "../../sequencer/revert-reason.ts";
import { labelAddress } from "../support/fixtures.ts";
import { addSeatBooking, seatBookingArtifact, userArtifactsDir } from "../support/seat-booking.ts";

describe("the ABIs a devnet decodes with", () => {
  const holder = labelAddress("seat holder");
  const soldOut = encodeErrorResult({ abi: seatBookingArtifact().abi, errorName: "SoldOut", args: [holder, 5n, 3n] });
  const decoded = `reverted with SoldOut(holder: ${holder}, requested: 5, available: 3)`;
  const dirs: string[] = [];
  const artifactsDir = (options?: { withSeatBooking?: boolean }) => {
    const dir = userArtifactsDir(options);
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("decodes a user's custom error only with the project's artifacts", () => {
    expect(describeRevert(soldOut)).to.equal(`reverted with unknown error data ${soldOut.slice(0, 74)}…`);
    expect(describeRevert(soldOut, new AbiRegistry({ artifacts: artifactsDir() }))).to.equal(decoded);
  });

  it("still decodes xrollup's own errors and Solidity's panics, with what the code means", () => {
    const abis = new AbiRegistry({ artifacts: artifactsDir() });
    const capExceeded = encodeErrorResult({ abi: artifact("Vault").abi, errorName: "DepositCapExceeded", args: [6n, 5n] });
    expect(describeRevert(capExceeded, abis)).to.equal("reverted with DepositCapExceeded(totalAfter: 6, cap: 5)");
    const panic = encodeErrorResult({ abi: [{ type: "error", name: "Panic", inputs: [{ name: "code", type: "uint256" }] }], errorName: "Panic", args: [0x11n] });
    expect(describeRevert(panic, abis)).to.equal("panicked with code 0x11 (arithmetic overflow or underflow)");
  });

  it("names the functions of the project's contracts and of the messenger", () => {
    const abis = new AbiRegistry({ artifacts: artifactsDir() });
    expect(abis.function(toFunctionSelector("take(address,uint256)"))?.name).to.equal("take");
    expect(abis.function(toFunctionSelector("crossDomainMessageContext()"))?.name).to.equal("crossDomainMessageContext");
  });

  it("skips build infos: an ABI there is not an artifact's", () => {
    const dir = artifactsDir({ withSeatBooking: false });
    const hidden = { type: "error", name: "OnlyInBuildInfo", inputs: [] } as const;
    writeFileSync(path.join(dir, "build-info", "solc-0_8_30-1.json"), JSON.stringify({ abi: [hidden] }));
    const selector = toFunctionSelector("OnlyInBuildInfo()") as Hex;
    expect(new AbiRegistry({ artifacts: dir }).error(selector)).to.equal(undefined);
  });

  it("reads a contract compiled after the devnet started, when its error first shows", () => {
    const dir = artifactsDir({ withSeatBooking: false });
    let now = 0;
    const abis = new AbiRegistry({ artifacts: dir, now: () => now });
    now += ARTIFACTS_RECHECK_MS;
    expect(describeRevert(soldOut, abis)).to.contain("unknown error data");
    addSeatBooking(dir);
    // Looked at a moment ago: a burst of failures costs one look.
    expect(describeRevert(soldOut, abis)).to.contain("unknown error data");
    now += ARTIFACTS_RECHECK_MS;
    expect(describeRevert(soldOut, abis)).to.equal(decoded);
  });

  it("refuses an artifacts directory that is not there, naming it", () => {
    const missing = path.join(artifactsDir(), "nowhere");
    expect(() => new AbiRegistry({ artifacts: missing })).to.throw(ArtifactsDirError, missing);
    expect(() => resolveDevnetConfig({ artifacts: missing })).to.throw(InvalidDevnetConfigError, `Invalid artifacts: ${missing} is not a directory`);
    const file = path.join(artifactsDir(), "artifacts.d.ts");
    expect(() => resolveDevnetConfig({ artifacts: file })).to.throw(InvalidDevnetConfigError, "artifacts");
  });

  it("resolves the artifacts directory to an absolute path", () => {
    const dir = artifactsDir();
    mkdirSync(path.join(dir, "nested"));
    const relative = path.relative(process.cwd(), path.join(dir, "nested"));
    expect(resolveDevnetConfig({ artifacts: relative }).artifacts).to.equal(path.join(dir, "nested"));
    expect(resolveDevnetConfig({}).artifacts).to.equal(undefined);
  });

  describe("an action's revert data", () => {
    const messenger = artifact("L2ToL2CrossDomainMessenger").abi;
    const target = labelAddress("booking target");

    it("is its target's, unwrapped in full from the messenger's TargetCallFailed", () => {
      const wrapped = encodeErrorResult({ abi: messenger, errorName: "TargetCallFailed", args: [target, soldOut] });
      expect(actionRevertData(wrapped)).to.equal(soldOut);
    });

    it("is the messenger's own when the target never reverted (ActionOutOfGas)", () => {
      const outOfGas = encodeErrorResult({ abi: messenger, errorName: "ActionOutOfGas", args: [target, 1_000_000n] });
      expect(actionRevertData(outOfGas)).to.equal(outOfGas);
      expect(actionRevertData("0x")).to.equal("0x");
    });
  });
});
