import { expect } from "chai";
import { type Address, BaseError, ContractFunctionRevertedError, encodeErrorResult, type Hex } from "viem";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import type { SimulationResult } from "../../sequencer/simulation.ts";
import { accountAddress, rpc, rpcResult, signTransfer } from "../support/fixtures.ts";
import { availableSeats, type BookingDevnet, bookingData, seatBookingArtifact, signBooking, startBookingDevnet } from "../support/seat-booking.ts";

describe("pre-flight: xr_simulate, and eth_estimateGas / eth_call on a trigger", () => {
  let started: BookingDevnet;
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let booking: Address;
  const soldOut = (holder: Address, requested: bigint, available: bigint) =>
    encodeErrorResult({ abi: seatBookingArtifact().abi, errorName: "SoldOut", args: [holder, requested, available] });

  before(async () => {
    started = await startBookingDevnet(3n);
    ({ devnet, a, b, booking } = started);
  });
  after(() => started.stop());

  /** What a simulation must leave as it found: every head, the senders' nonces, the seats. */
  const state = async (senders: readonly Address[]) => ({
    heads: await Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBlockNumber())),
    nonces: await Promise.all(senders.map((address) => a.publicClient.getTransactionCount({ address }))),
    seats: await availableSeats(devnet, b.chainId, booking),
  });

  it("simulates a failing and a succeeding trigger, each with its action, and commits nothing", async () => {
    const [first, second] = [accountAddress(devnet, 2), accountAddress(devnet, 3)];
    const failing = await signBooking(devnet, { from: 2, nonce: 0, source: a.chainId, destination: b.chainId, seats: 5n, address: booking });
    const succeeding = { chainId: a.chainId, from: second, to: booking, data: bookingData(b.chainId, 2n) };
    const before = await state([first, second]);

    const result = await rpcResult<SimulationResult>(a.rpcUrl!, "xr_simulate", [{ transactions: [failing, succeeding] }]);

    expect(result.success).to.equal(false);
    expect(result.legs.map(({ transaction, chainId, role, status }) => ({ transaction, chainId, role, status }))).to.deep.equal([
      { transaction: 0, chainId: a.chainId, role: "trigger", status: "success" },
      { transaction: 0, chainId: b.chainId, role: "action", status: "reverted" },
      { transaction: 1, chainId: a.chainId, role: "trigger", status: "success" },
      { transaction: 1, chainId: b.chainId, role: "action", status: "success" },
    ]);
    const [, refused, trigger, taken] = result.legs as [unknown, SimulationResult["legs"][0], SimulationResult["legs"][0], SimulationResult["legs"][0]];
    expect(refused).to.include({ to: booking, revertData: soldOut(first, 5n, 3n), reason: `reverted with SoldOut(holder: ${first}, requested: 5, available: 3)` });
    // The first booking was rolled back, as the slot would drop it: the second finds 3 seats and leaves 1.
    expect(BigInt(taken.returnData!)).to.equal(1n);
    expect(taken.logs.map((log) => log.address.toLowerCase())).to.include(booking.toLowerCase());
    expect(trigger).to.include({ from: second, to: booking });
    expect(trigger.transactionHash).to.equal(undefined);
    expect(result.transactions[0]).to.deep.include({ success: false, reasonCode: "action-reverted" });
    expect(result.transactions[0]!.failedLeg).to.deep.include({ role: "action", chainId: b.chainId, target: booking, data: soldOut(first, 5n, 3n) });
    expect(result.transactions[1]).to.deep.equal({ success: true });

    expect(await state([first, second])).to.deep.equal(before);
  });

  it("runs the transactions in order: a second booking sees the seats the first one took", async () => {
    const holders = [accountAddress(devnet, 4), accountAddress(devnet, 5)];
    const transactions = holders.map((from) => ({ chainId: a.chainId, from, to: booking, data: bookingData(b.chainId, 2n) }));

    const result = await rpcResult<SimulationResult>(b.rpcUrl!, "xr_simulate", [{ transactions }]);

    expect(result.transactions.map(({ success }) => success)).to.deep.equal([true, false]);
    expect(result.transactions[1]!.failedLeg?.data).to.equal(soldOut(holders[1]!, 2n, 1n));
  });

  it("answers eth_estimateGas and eth_call on a trigger whose action would revert with the error a local revert gives", async () => {
    const from = accountAddress(devnet, 6);
    const call = { from, to: booking, data: bookingData(b.chainId, 4n) };
    const expected = soldOut(from, 4n, 3n);
    for (const [method, params] of [
      ["eth_estimateGas", [call]],
      ["eth_call", [call, "latest"]],
    ] as const) {
      const { error } = await rpc(a.rpcUrl!, method, [...params]);
      expect(error, method).to.deep.include({ code: 3, data: expected });
      expect(error!.message, method).to.equal(
        `execution reverted: the action on rollup ${b.chainId} (target ${booking}) failed: reverted with SoldOut(holder: ${from}, requested: 4, available: 3)`,
      );
    }
    // A client with the app's ABI decodes the action's error, as for a revert on A.
    const estimate = a.publicClient.estimateContractGas({ address: booking, abi: seatBookingArtifact().abi, functionName: "book", args: [BigInt(b.chainId), 4n], account: from });
    const error = await estimate.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const reverted = error instanceof BaseError ? error.walk((cause) => cause instanceof ContractFunctionRevertedError) : undefined;
    expect(reverted).to.be.instanceOf(ContractFunctionRevertedError);
    expect((reverted as ContractFunctionRevertedError).data).to.deep.include({ errorName: "SoldOut", args: [from, 4n, 3n] });
  });

  it("estimates a trigger whose action succeeds as the chain does, and plain calls as before", async () => {
    const from = accountAddress(devnet, 7);
    const head = await a.publicClient.getBlockNumber();
    const atHead = `0x${head.toString(16)}`;
    for (const call of [
      { from, to: booking, data: bookingData(b.chainId, 1n) },
      { from, to: accountAddress(devnet, 8), value: "0x1" },
    ]) {
      // At an explicit block the endpoint runs no pre-flight: the chain's own answer.
      const plain = await rpcResult<Hex>(a.rpcUrl!, "eth_estimateGas", [call, atHead]);
      expect(await rpcResult<Hex>(a.rpcUrl!, "eth_estimateGas", [call])).to.equal(plain);
    }
  });

  const badRequests: { name: string; request: unknown; field: string }[] = [
    { name: "no transactions", request: { transactions: [] }, field: "transactions" },
    { name: "not an object", request: ["0x01"], field: "transactions" },
    { name: "an unsigned transaction without a sender", request: { transactions: [{ chainId: 901, to: "0x0000000000000000000000000000000000000001" }] }, field: "transactions[0].from" },
    { name: "a rollup the devnet does not have", request: { transactions: [{ chainId: 999, from: "0x0000000000000000000000000000000000000001" }] }, field: "transactions[0].chainId" },
    { name: "bytes that are not a transaction", request: { transactions: ["0xdeadbeef"] }, field: "transactions[0]" },
  ];
  for (const { name, request, field } of badRequests) {
    it(`answers -32602 naming ${field} for ${name}`, async () => {
      const { error } = await rpc(a.rpcUrl!, "xr_simulate", [request]);
      expect(error?.code).to.equal(-32602);
      expect(error?.data).to.deep.equal({ field });
    });
  }

  it("simulates a signed transaction as sent: a nonce already used is refused, as the rollup would", async () => {
    const nonce = await a.publicClient.getTransactionCount({ address: accountAddress(devnet, 9) });
    const transfer = await signTransfer(devnet, a.chainId, 9, nonce, accountAddress(devnet, 10), 1n);
    await rpcResult(a.rpcUrl!, "eth_sendRawTransaction", [transfer]);
    const result = await rpcResult<SimulationResult>(a.rpcUrl!, "xr_simulate", [{ transactions: [transfer] }]);
    expect(result.legs[0]).to.include({ status: "refused" });
    expect(result.legs[0]!.reason).to.match(/nonce/i);
    expect(result.transactions[0]).to.deep.include({ success: false, reasonCode: "refused-by-rollup" });
  });
});
