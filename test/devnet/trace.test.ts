import { expect } from "chai";
import { type Address, encodeErrorResult, type Hex, keccak256 } from "viem";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import type { CallFrame, TransactionTrace } from "../../sequencer/trace.ts";
import { accountAddress, rpc, rpcResult } from "../support/fixtures.ts";
import { availableSeats, type BookingDevnet, seatBookingArtifact, signBooking, startBookingDevnet } from "../support/seat-booking.ts";

/** The frame of the call to `target` inside a trace, depth first. */
function frameTo(frame: CallFrame, target: Address): CallFrame | undefined {
  if (frame.to?.toLowerCase() === target.toLowerCase()) return frame;
  for (const call of frame.calls ?? []) {
    const found = frameTo(call, target);
    if (found !== undefined) return found;
  }
  return undefined;
}

describe("xr_traceTransaction: every leg of a cross-rollup call", () => {
  let started: BookingDevnet;
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let booking: Address;
  /** Development account 2 books; its next nonce on A. */
  let nonce = 0;
  const holder = () => accountAddress(devnet, 2);

  before(async () => {
    started = await startBookingDevnet(3n);
    ({ devnet, a, b, booking } = started);
  });
  after(() => started.stop());

  const book = async (seats: bigint) => {
    const raw = await signBooking(devnet, { from: 2, nonce, source: a.chainId, destination: b.chainId, seats, address: booking });
    const response = await rpc<Hex>(a.rpcUrl!, "eth_sendRawTransaction", [raw]);
    if (response.error === undefined) nonce++;
    return { hash: keccak256(raw), response };
  };
  const heads = () => Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBlockNumber()));

  it("traces a dropped trigger whose action reverts with the developer's own error, decoded from --artifacts", async () => {
    const { hash, response } = await book(5n);
    expect(response.error?.code).to.equal(-32003);
    const before = { heads: await heads(), nonce: await a.publicClient.getTransactionCount({ address: holder() }) };

    const trace = await rpcResult<TransactionTrace>(a.rpcUrl!, "xr_traceTransaction", [hash]);

    const soldOut = encodeErrorResult({ abi: seatBookingArtifact().abi, errorName: "SoldOut", args: [holder(), 5n, 3n] });
    const reason = `reverted with SoldOut(holder: ${holder()}, requested: 5, available: 3)`;
    expect(trace).to.include({ transactionHash: hash, status: "dropped", reExecuted: true });
    expect(trace.legs.map(({ chainId, role }) => ({ chainId, role }))).to.deep.equal([
      { chainId: a.chainId, role: "trigger" },
      { chainId: b.chainId, role: "action" },
    ]);
    const [trigger, action] = trace.legs as [TransactionTrace["legs"][0], TransactionTrace["legs"][0]];
    expect(trigger.transactionHash).to.equal(hash);
    expect(trigger.trace).to.include({ type: "CALL", function: "book(uint256,uint256)" });
    expect(trigger.trace.error).to.equal(undefined);
    // The relay reverts because its target did; the target's frame carries the developer's error, decoded.
    expect(action.trace).to.include({ error: "execution reverted", revertReason: reason });
    expect(frameTo(action.trace, booking)).to.include({ function: "take(address,uint256)", output: soldOut, revertReason: reason });
    expect(trace.failure).to.deep.include({ reasonCode: "action-reverted" });
    expect(trace.failure?.failedLeg).to.deep.include({ role: "action", chainId: b.chainId, target: booking, depth: 1, data: soldOut });
    expect(action.messageHash).to.equal(trace.failure?.failedLeg?.messageHash);

    // Re-run on a throwaway state: nothing committed, no nonce used, no global sequence number.
    expect(await heads()).to.deep.equal(before.heads);
    expect(await a.publicClient.getTransactionCount({ address: holder() })).to.equal(before.nonce);
    expect(await availableSeats(devnet, b.chainId, booking)).to.equal(3n);
    const status = await rpcResult<TransactionStatus>(a.rpcUrl!, "xr_getTransactionStatus", [hash]);
    expect(status).to.include({ status: "dropped", globalSeq: null });
  });

  it("traces an included trigger and its action in the blocks they ran in, from the trigger's or the relay's hash", async () => {
    const { hash, response } = await book(2n);
    expect(response.error).to.equal(undefined);
    const status = await rpcResult<TransactionStatus>(a.rpcUrl!, "xr_getTransactionStatus", [hash]);
    const relay = status.relays![0]!;

    const trace = await rpcResult<TransactionTrace>(a.rpcUrl!, "xr_traceTransaction", [hash]);

    expect(trace).to.include({ transactionHash: hash, status: "included", reExecuted: false });
    expect(trace.legs.map(({ chainId, role, transactionHash }) => ({ chainId, role, transactionHash }))).to.deep.equal([
      { chainId: a.chainId, role: "trigger", transactionHash: hash },
      { chainId: b.chainId, role: "action", transactionHash: relay.hash },
    ]);
    const [trigger, action] = trace.legs as [TransactionTrace["legs"][0], TransactionTrace["legs"][0]];
    // The trigger returns the hash of the message it sent; the action relays that message and takes the seats.
    expect(action.messageHash).to.equal(trigger.trace.output);
    const take = frameTo(action.trace, booking)!;
    expect(take.function).to.equal("take(address,uint256)");
    expect(BigInt(take.output!)).to.equal(await availableSeats(devnet, b.chainId, booking));
    expect(take.logs?.map((log) => log.address.toLowerCase())).to.deep.equal([booking.toLowerCase()]);

    // Asked on B for the relay, the endpoint answers the trigger's trace.
    expect(await rpcResult<TransactionTrace>(b.rpcUrl!, "xr_traceTransaction", [relay.hash])).to.deep.equal(trace);
  });

  it("answers null for a transaction the sequencer never saw, and -32602 for what is not a hash", async () => {
    expect(await rpcResult(a.rpcUrl!, "xr_traceTransaction", [keccak256("0x01")])).to.equal(null);
    expect((await rpc(a.rpcUrl!, "xr_traceTransaction", ["0x1234"])).error?.code).to.equal(-32602);
  });
});
