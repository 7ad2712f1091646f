import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, encodeErrorResult, type Hex, keccak256, toFunctionSelector } from "viem";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import type { FailedLeg } from "../../sequencer/reasons.ts";
import type { BundleStatus, TransactionStatus } from "../../sequencer/records.ts";
import type { TransactionTrace } from "../../sequencer/trace.ts";
import { accountAddress, rpc, rpcResult, signTransfer, startTestDevnet } from "../support/fixtures.ts";
import { deploySeatBooking, seatBookingArtifact, signBooking } from "../support/seat-booking.ts";

/**
 * A failed cross-rollup call names the leg that failed, with its raw revert
 * bytes in full, wherever its sender looks: the instant-mode error, the
 * status, the bundle; and it is still there after a restart. This devnet has
 * no `--artifacts`, so the developer's own error is not decoded in words: the
 * bytes are what their own tools decode.
 */
describe("failed cross-rollup calls name the failing leg, with its raw revert data", () => {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let booking: Address;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "xrollup-failed-calls-"));
    devnet = await startTestDevnet({ rollups: 2, dataDir });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    booking = await deploySeatBooking(devnet, 3n);
  });
  after(async () => {
    await devnet.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const soldOut = (holder: Address, requested: bigint) => encodeErrorResult({ abi: seatBookingArtifact().abi, errorName: "SoldOut", args: [holder, requested, 3n] });
  let dropped: { hash: Hex; leg: FailedLeg };

  it("gives the sender, in instant mode, the action's leg with all of its revert data", async () => {
    const raw = await signBooking(devnet, { from: 2, nonce: 0, source: a.chainId, destination: b.chainId, seats: 5n, address: booking });
    const { error } = await rpc(a.rpcUrl!, "eth_sendRawTransaction", [raw]);

    expect(error?.code).to.equal(-32003);
    const data = error!.data as { reasonCode: string; failedLeg: FailedLeg };
    expect(data.reasonCode).to.equal("action-reverted");
    const bytes = soldOut(accountAddress(devnet, 2), 5n);
    expect(data.failedLeg).to.deep.include({ role: "action", chainId: b.chainId, target: booking, depth: 1, data: bytes });
    expect(data.failedLeg.messageHash).to.match(/^0x[0-9a-f]{64}$/);
    // Without the project's artifacts the words show the selector and a word; the field holds every byte.
    expect(error!.message).to.contain(`reverted with unknown error data ${bytes.slice(0, 74)}…`);
    dropped = { hash: keccak256(raw), leg: data.failedLeg };
  });

  it("reports the same leg in xr_getTransactionStatus", async () => {
    const status = await rpcResult<TransactionStatus>(a.rpcUrl!, "xr_getTransactionStatus", [dropped.hash]);
    expect(status).to.deep.include({ status: "dropped", reasonCode: "action-reverted", failedLeg: dropped.leg });
  });

  it("names the trigger itself, at depth 0, when it reverts on its own rollup", async () => {
    // A message to its own rollup: the messenger refuses it, and the trigger reverts on A.
    const raw = await signBooking(devnet, { from: 3, nonce: 0, source: a.chainId, destination: a.chainId, seats: 1n, address: booking });
    const { error } = await rpc(a.rpcUrl!, "eth_sendRawTransaction", [raw]);
    expect((error?.data as { failedLeg: FailedLeg }).failedLeg).to.deep.equal({
      role: "trigger",
      chainId: a.chainId,
      target: booking,
      data: toFunctionSelector("MessageDestinationSameChain()"),
      depth: 0,
      transactionHash: keccak256(raw),
    });
  });

  it("puts the leg in the bundle's failed, for xr_sendBundle's error and xr_getBundle", async () => {
    const transfer = await signTransfer(devnet, b.chainId, 4, 0, accountAddress(devnet, 5), 1n);
    const raw = await signBooking(devnet, { from: 4, nonce: 0, source: a.chainId, destination: b.chainId, seats: 4n, address: booking });
    const { error } = await rpc(a.rpcUrl!, "xr_sendBundle", [[transfer, raw]]);
    expect(error?.code).to.equal(-32003);
    const { bundleId, failed } = error!.data as { bundleId: Hex; failed: NonNullable<BundleStatus["failed"]> };
    expect(failed).to.deep.include({ hash: keccak256(raw), chainId: a.chainId, reasonCode: "action-reverted" });
    expect(failed.failedLeg).to.deep.include({ role: "action", chainId: b.chainId, target: booking, data: soldOut(accountAddress(devnet, 4), 4n) });
    const bundle = await rpcResult<BundleStatus>(a.rpcUrl!, "xr_getBundle", [bundleId]);
    expect(bundle.failed).to.deep.equal(failed);
    // The transfer was dropped with the bundle, and says which leg failed too.
    const other = await rpcResult<TransactionStatus>(b.rpcUrl!, "xr_getTransactionStatus", [keccak256(transfer)]);
    expect(other).to.deep.include({ reasonCode: "bundle-failed", failedLeg: failed.failedLeg });

    // Its trace re-runs the whole bundle: the transfer, the booking and the booking's action.
    const trace = await rpcResult<TransactionTrace>(b.rpcUrl!, "xr_traceTransaction", [keccak256(transfer)]);
    expect(trace.legs.map(({ chainId, role, transactionHash }) => ({ chainId, role, hash: role === "trigger" ? transactionHash : undefined }))).to.deep.equal([
      { chainId: b.chainId, role: "trigger", hash: keccak256(transfer) },
      { chainId: a.chainId, role: "trigger", hash: keccak256(raw) },
      { chainId: b.chainId, role: "action", hash: undefined },
    ]);
    expect(trace.failure).to.deep.equal({ reasonCode: "action-reverted", reason: failed.reason, failedLeg: failed.failedLeg });
  });

  it("keeps the leg across a restart from --data-dir", async () => {
    await devnet.stop();
    devnet = await startTestDevnet({ rollups: 2, dataDir });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    const status = await rpcResult<TransactionStatus>(a.rpcUrl!, "xr_getTransactionStatus", [dropped.hash]);
    expect(status).to.deep.include({ status: "dropped", failedLeg: dropped.leg });
  });
});
