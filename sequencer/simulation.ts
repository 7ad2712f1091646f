import { type Address, decodeFunctionResult, getAddress, type Hex, isAddress, isHex, type RpcLog } from "viem";
import type { KnownAbis } from "../contracts/abi-registry.ts";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { artifact } from "../contracts/artifacts.ts";
import { XrollupError } from "../errors/base.ts";
import { withBlockTimes } from "./cheats.ts";
import { DebuggingUnsupportedError, InvalidSimulationError } from "./errors.ts";
import {
  callOf,
  type ExecutionContext,
  engineOf,
  type Failure,
  type MinedOne,
  mineOne,
  prefixed,
  relayAll,
  Rollback,
  triggerReverted,
  type UnitRun,
} from "./executor.ts";
import { decodeRawTransaction } from "./intake.ts";
import type { RollupEngine } from "./ports.ts";
import { dropReason, type FailedLeg, type ReasonCode, refusalCode } from "./reasons.ts";
import { type RelayBuilder, sentMessagesOf } from "./relayer.ts";
import { actionRevertData, describeRevert } from "./revert-reason.ts";
import type { CallFrame } from "./trace.ts";
import type { SequencedTransaction } from "./types.ts";

/**
 * Running transactions with every action they cause on a throwaway state,
 * committing nothing: `xr_simulate`, the pre-flight of `eth_estimateGas` and
 * `eth_call` on a trigger, and the re-run that traces a dropped trigger all
 * go through {@link simulateUnits}.
 */

/** A transaction without a signature, run as its `from` (impersonated, paying no fee), as `eth_call` runs a call. */
export interface UnsignedTransaction {
  chainId: number;
  from: Address;
  /** The recipient; absent for a contract creation. */
  to?: Address;
  data?: Hex;
  value?: bigint;
  /** Gas limit; default: the rollup block's gas limit. */
  gas?: bigint;
}

/**
 * One transaction of a simulation: a signed one (it runs exactly as sent,
 * or is refused as the rollup would refuse it), or an unsigned one. A
 * signed transaction with `orUnsigned` runs unsigned, from its sender with
 * its fields, when its nonce is no longer the sender's next (a dropped
 * trigger traced after its sender went on).
 */
export type SimulationInput =
  | { kind: "signed"; transaction: SequencedTransaction; orUnsigned?: boolean }
  | { kind: "unsigned"; transaction: UnsignedTransaction };

/** What a simulation runs on: the rollups as they are now, and how the next slot would run. */
export interface SimulationContext {
  /** The rollups' engines (not the ones faults wrap: a simulation predicts execution, not faults). */
  engines: readonly RollupEngine[];
  /** Signs the relays (the current leader's key). */
  relayer: RelayBuilder;
  maxMessageDepth: number;
  abis: KnownAbis;
  /** Unix timestamp (seconds) of the next slot, at which the simulation mines its blocks. */
  timestamp: number;
  /** The timestamp of a rollup's block in a slot at `slotTimestamp` (time cheats move it); default: the slot's. */
  blockTimestamp?: (chainId: number, slotTimestamp: number) => number;
  /** Gas limit of an unsigned transaction that names none. */
  blockGasLimit: bigint;
}

/** One leg a simulation ran: a transaction of the input (the trigger) or an action it caused. */
export interface SimulatedLeg {
  /** Index of the unit (in the input) it belongs to. */
  unit: number;
  role: "trigger" | "action";
  chainId: number;
  /** 0 for a trigger, 1 for the action of a message it sent, … */
  depth: number;
  /** Its hash on the throwaway state: the signed transaction's own, a relay's, or the impersonated one of an unsigned trigger. */
  transactionHash: Hex;
  /** Whether it ran as a signed transaction (its hash is then the one it has on the chain). */
  signed: boolean;
  /** For an action, the message it relays. */
  messageHash?: Hex;
  /** For a trigger, its sender and recipient; for an action, the messenger and the message's target (the call the action makes). */
  from: Address;
  to: Address | null;
  status: "success" | "reverted" | "refused";
  gasUsed: bigint;
  logs: RpcLog[];
  /** When traced: its call tree. */
  trace?: CallFrame;
  /** When refused: the rollup's words. */
  refusal?: string;
}

/** What simulating units did: every leg in the order it ran, and each unit's failure, if it failed. */
export interface Simulation {
  legs: SimulatedLeg[];
  /** One entry per unit: `undefined` when it and every action it caused succeeded. */
  failures: (Failure | undefined)[];
}

/** Most transactions one `xr_simulate` runs. */
export const MAX_SIMULATED_TRANSACTIONS = 16;

/**
 * Runs units on a throwaway state of every rollup, in order, each as a slot
 * runs a unit alone: each transaction in its own block, followed by the
 * actions of the messages it sent, depth first (see `executor.ts`). A unit
 * that fails is rolled back before the next runs, as the slot would drop it;
 * at the end every rollup goes back to where it was, so nothing is
 * committed and no global sequence number is used. With `trace`, every leg
 * mined is traced before the state goes back.
 *
 * The caller runs it between slots (the sequencer's slot queue).
 *
 * @throws {DebuggingUnsupportedError} when a rollup's engine cannot trace (with `trace`) or run unsigned transactions.
 * @throws {RollupRevertError} when a rollup cannot go back.
 */
export async function simulateUnits(
  context: SimulationContext,
  units: readonly (readonly SimulationInput[])[],
  { trace }: { trace: boolean },
): Promise<Simulation> {
  const execution: ExecutionContext = {
    // As in a slot, each engine puts its own rollup's time on its blocks.
    engines: context.engines.map((engine) => withBlockTimes(engine, (timestamp) => blockTimestamp(context, engine.chainId, timestamp))),
    relayer: context.relayer,
    maxMessageDepth: context.maxMessageDepth,
    revertProtection: true,
    withholdsRelayTo: () => false,
    abis: context.abis,
  };
  const simulation: Simulation = { legs: [], failures: [] };
  const everything = new Rollback();
  try {
    for (const [index, unit] of units.entries()) {
      const rollback = new Rollback(everything);
      let failure: Failure | undefined;
      try {
        failure = await simulateUnit({ context, execution, simulation, trace, unit: index }, unit, rollback);
      } catch (error) {
        await rollback.revert();
        throw error;
      }
      simulation.failures.push(failure);
      if (failure === undefined) await rollback.release();
      else await rollback.revert();
    }
  } finally {
    await everything.revert();
  }
  return simulation;
}

/** One unit being simulated, and where its legs go. */
interface UnitSimulation {
  context: SimulationContext;
  execution: ExecutionContext;
  simulation: Simulation;
  trace: boolean;
  unit: number;
}

/** Runs one unit's transactions, each followed by its actions; returns why it failed, if it did. */
async function simulateUnit(run: UnitSimulation, unit: readonly SimulationInput[], rollback: Rollback): Promise<Failure | undefined> {
  const { context, execution } = run;
  const unitRun: UnitRun = {
    context: execution,
    timestamp: context.timestamp,
    rollback,
    steps: [],
    onAction: async ({ relay, message, depth, mined }) => {
      const leg = { role: "action", depth, messageHash: message.hash, from: MESSENGER_ADDRESS, to: message.target } as const;
      await record(run, engineOf(execution, relay.chainId), relay.hash, true, leg, mined);
    },
  };
  for (const [index, input] of unit.entries()) {
    const engine = engineOf(execution, input.transaction.chainId);
    // As a slot words a bundle's failure.
    const prefix = unit.length > 1 ? `bundle transaction ${index}${input.kind === "signed" ? ` (${input.transaction.hash})` : ""}: ` : "";
    const mined = await mineInput(run, engine, input, rollback);
    const leg = { role: "trigger", depth: 0, from: getAddress(mined.call.from), to: mined.call.to === undefined ? null : getAddress(mined.call.to) } as const;
    await record(run, engine, mined.hash, mined.signed, leg, mined.result);
    const culprit = mined.signed ? mined.hash : undefined;
    if (mined.result.kind === "refused") return { reason: prefixed(prefix, mined.result.reason), culprit };
    if (!mined.result.receipt.success) {
      const trigger = { call: mined.call, to: mined.call.to, ...(mined.signed ? { hash: mined.hash } : {}) };
      return { reason: prefixed(prefix, await triggerReverted(execution, engine, trigger, mined.result.block.number - 1)), culprit };
    }
    const messages = sentMessagesOf(mined.result.receipt.logs, engine.chainId);
    const failure = await relayAll(unitRun, mined.hash, messages, 1);
    if (failure !== undefined) return { reason: prefixed(prefix, failure.reason), culprit };
  }
  return undefined;
}

/** A transaction of the input as it was mined, with the call that re-runs it. */
interface MinedInput {
  hash: Hex;
  signed: boolean;
  call: UnsignedTransaction;
  result: MinedOne;
}

/** Mines a transaction of the input in a block of its own: signed as it is, or unsigned through the engine's impersonation. */
async function mineInput(run: UnitSimulation, engine: RollupEngine, input: SimulationInput, rollback: Rollback): Promise<MinedInput> {
  if (input.kind === "unsigned") return mineUnsigned(run, engine, input.transaction, rollback);
  const { transaction } = input;
  const call = { chainId: transaction.chainId, ...callOf(transaction), from: transaction.from };
  const runsSigned = input.orUnsigned !== true || (await engine.nonceOf(transaction.from)) === transaction.nonce;
  if (!runsSigned) return mineUnsigned(run, engine, call, rollback);
  return { hash: transaction.hash, signed: true, call, result: await mineOne(engine, transaction, run.context.timestamp, rollback) };
}

async function mineUnsigned(run: UnitSimulation, engine: RollupEngine, transaction: UnsignedTransaction, rollback: Rollback): Promise<MinedInput> {
  if (engine.mineUnsigned === undefined) throw new DebuggingUnsupportedError({ chainId: engine.chainId, needs: "run unsigned transactions" });
  const call = { ...transaction, gas: transaction.gas ?? run.context.blockGasLimit };
  await rollback.cover(engine);
  const { block, outcomes } = await engine.mineUnsigned(call, blockTimestamp(run.context, engine.chainId, run.context.timestamp));
  const [outcome] = outcomes;
  if (outcome === undefined) throw new Error(`Rollup ${engine.chainId} reported no outcome for an unsigned transaction`);
  const produced = { chainId: engine.chainId, number: block.number, hash: block.hash, stateRoot: block.stateRoot, timestamp: block.timestamp, transactions: [] };
  const result: MinedOne =
    outcome.kind === "refused"
      ? { kind: "refused", reason: dropReason(refusalCode(outcome.reason), `rollup ${engine.chainId} refused it: ${outcome.reason}`) }
      : { kind: "mined", block: produced, receipt: { success: outcome.success, gasUsed: outcome.gasUsed, logs: outcome.logs } };
  return { hash: outcome.hash, signed: false, call, result };
}

function blockTimestamp(context: SimulationContext, chainId: number, slotTimestamp: number): number {
  return context.blockTimestamp?.(chainId, slotTimestamp) ?? slotTimestamp;
}

/** Adds a leg to the simulation, traced if asked. */
async function record(
  run: UnitSimulation,
  engine: RollupEngine,
  transactionHash: Hex,
  signed: boolean,
  leg: Pick<SimulatedLeg, "role" | "depth" | "from" | "to" | "messageHash">,
  mined: MinedOne,
): Promise<void> {
  const base = { unit: run.unit, chainId: engine.chainId, transactionHash, signed, ...leg };
  if (mined.kind === "refused") {
    run.simulation.legs.push({ ...base, status: "refused", gasUsed: 0n, logs: [], refusal: mined.reason.message });
    return;
  }
  let trace: CallFrame | undefined;
  if (run.trace) {
    if (engine.trace === undefined) throw new DebuggingUnsupportedError({ chainId: engine.chainId, needs: "trace transactions" });
    trace = await engine.trace(transactionHash);
  }
  const { success, gasUsed, logs } = mined.receipt;
  run.simulation.legs.push({ ...base, status: success ? "success" : "reverted", gasUsed, logs, ...(trace === undefined ? {} : { trace }) });
}

/** One leg of the answer of `xr_simulate`. */
export interface SimulatedLegResult {
  /** Index in `transactions` of the transaction the leg belongs to. */
  transaction: number;
  chainId: number;
  role: "trigger" | "action";
  /** 0 for a trigger, 1 for the action of a message it sent, … */
  depth: number;
  /** A signed transaction's hash, or an action's relay's (on the throwaway state); absent for an unsigned trigger. */
  transactionHash?: Hex;
  /** For an action, the hash of the message it relays. */
  messageHash?: Hex;
  /** For a trigger, its sender; for an action, the messenger (the target's `msg.sender`). */
  from: Address;
  /** For a trigger, its recipient (`null` for a creation); for an action, the message's target. */
  to: Address | null;
  status: "success" | "reverted" | "refused";
  /** Gas the whole transaction used (for an action: its relay). */
  gasUsed: Hex;
  logs: { address: Address; topics: Hex[]; data: Hex }[];
  /** On success: what the call returned (for an action, what its target returned). */
  returnData?: Hex;
  /** On revert: the raw revert data, in full (for an action, its target's, unwrapped from the messenger's `TargetCallFailed`). */
  revertData?: Hex;
  /** When it reverted or was refused: why, in words. */
  reason?: string;
}

/** The answer of `xr_simulate`. */
export interface SimulationResult {
  /** Whether every transaction and every action they cause would succeed. */
  success: boolean;
  /** Every leg that ran, in order. */
  legs: SimulatedLegResult[];
  /** Per transaction, in order: whether it would be included, and if not, why, as `xr_getTransactionStatus` would say. */
  transactions: { success: boolean; reasonCode?: ReasonCode; reason?: string; failedLeg?: FailedLeg }[];
}

/** The answer of `xr_simulate` from what the simulation (with traces) did. Pure. */
export function simulationResult(simulation: Simulation, abis: KnownAbis): SimulationResult {
  const transactions = simulation.failures.map((failure) =>
    failure === undefined
      ? { success: true }
      : {
          success: false,
          reasonCode: failure.reason.code,
          reason: failure.reason.message,
          ...(failure.reason.failedLeg === undefined ? {} : { failedLeg: failure.reason.failedLeg }),
        },
  );
  return {
    success: simulation.failures.every((failure) => failure === undefined),
    legs: simulation.legs.map((leg) => legResult(leg, abis)),
    transactions,
  };
}

function legResult(leg: SimulatedLeg, abis: KnownAbis): SimulatedLegResult {
  const result = {
    transaction: leg.unit,
    chainId: leg.chainId,
    role: leg.role,
    depth: leg.depth,
    ...(leg.signed ? { transactionHash: leg.transactionHash } : {}),
    ...(leg.messageHash === undefined ? {} : { messageHash: leg.messageHash }),
    from: leg.from,
    to: leg.to,
    status: leg.status,
    gasUsed: `0x${leg.gasUsed.toString(16)}` as Hex,
    logs: leg.logs.map(({ address, topics, data }) => ({ address, topics: [...topics], data })),
  };
  if (leg.status === "refused") return { ...result, reason: leg.refusal! };
  const output = leg.trace?.output ?? "0x";
  if (leg.status === "success") return { ...result, returnData: leg.role === "action" ? relayReturnData(output) : output };
  const reason = leg.trace?.error === undefined || leg.trace.error === "execution reverted" ? describeRevert(output, abis) : leg.trace.error;
  return { ...result, revertData: leg.role === "action" ? actionRevertData(output) : output, reason };
}

/** What the target of a relay returned: the messenger's `relayMessage` returns it as `bytes`. */
function relayReturnData(output: Hex): Hex {
  try {
    return decodeFunctionResult({ abi: artifact("L2ToL2CrossDomainMessenger").abi, functionName: "relayMessage", data: output });
  } catch {
    return output;
  }
}

/**
 * Parses the parameter of `xr_simulate`: `{ transactions: [...] }`, each a
 * signed raw transaction (`0x…`) or an unsigned one `{ chainId, from, to?,
 * data?, value?, gas? }` (quantities as 0x-hex or numbers), for any of the
 * rollups. Each becomes a unit of its own.
 *
 * @throws {InvalidSimulationError} naming the first bad field.
 */
export function parseSimulationRequest(request: unknown, chainIds: readonly number[]): SimulationInput[][] {
  if (typeof request !== "object" || request === null || !Array.isArray((request as { transactions?: unknown }).transactions)) {
    throw new InvalidSimulationError({ field: "transactions", reason: "expected an object with a transactions array" });
  }
  const { transactions } = request as { transactions: unknown[] };
  if (transactions.length === 0 || transactions.length > MAX_SIMULATED_TRANSACTIONS) {
    throw new InvalidSimulationError({ field: "transactions", reason: `expected 1 to ${MAX_SIMULATED_TRANSACTIONS} transactions, got ${transactions.length}` });
  }
  return transactions.map((item, index) => [parseInput(item, `transactions[${index}]`, chainIds)]);
}

function parseInput(item: unknown, field: string, chainIds: readonly number[]): SimulationInput {
  if (typeof item === "string") return { kind: "signed", transaction: parseSigned(item, field, chainIds) };
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new InvalidSimulationError({ field, reason: "expected a signed raw transaction (0x-hex) or an object { chainId, from, to?, data?, value?, gas? }" });
  }
  const fields = item as Record<string, unknown>;
  const chainId = rollupOf(Number(quantity(fields.chainId, `${field}.chainId`, true)), `${field}.chainId`, chainIds);
  const from = address(fields.from, `${field}.from`, true)!;
  const to = address(fields.to, `${field}.to`, false);
  const data = fields.data ?? fields.input;
  if (data !== undefined && data !== null && !isHex(data)) throw new InvalidSimulationError({ field: `${field}.data`, reason: "expected 0x-hex bytes" });
  const value = quantity(fields.value, `${field}.value`, false);
  const gas = quantity(fields.gas, `${field}.gas`, false);
  return {
    kind: "unsigned",
    transaction: {
      chainId,
      from,
      ...(to === undefined ? {} : { to }),
      ...(isHex(data) ? { data } : {}),
      ...(value === undefined ? {} : { value }),
      ...(gas === undefined ? {} : { gas }),
    },
  };
}

function parseSigned(raw: string, field: string, chainIds: readonly number[]): SequencedTransaction {
  let decoded;
  try {
    decoded = decodeRawTransaction(raw);
  } catch (error) {
    throw new InvalidSimulationError({ field, reason: error instanceof XrollupError ? error.shortMessage : String(error) });
  }
  if (decoded.chainId === undefined) throw new InvalidSimulationError({ field, reason: "it has no chain id (pre-EIP-155), so its rollup is unknown" });
  const chainId = rollupOf(decoded.chainId, `${field} (its chain id)`, chainIds);
  const { value: _value, chainId: _signedFor, selector: _selector, ...fields } = decoded;
  return { ...fields, chainId, arrival: -1, receivedAt: 0 };
}

function rollupOf(chainId: number, field: string, chainIds: readonly number[]): number {
  if (!chainIds.includes(chainId)) {
    throw new InvalidSimulationError({ field, reason: `rollup ${chainId} is not part of this devnet (its rollups: ${chainIds.join(", ")})` });
  }
  return chainId;
}

function address(value: unknown, field: string, required: boolean): Address | undefined {
  if (value === undefined || value === null) {
    if (required) throw new InvalidSimulationError({ field, reason: "expected an address" });
    return undefined;
  }
  if (typeof value !== "string" || !isAddress(value, { strict: false })) throw new InvalidSimulationError({ field, reason: "expected an address" });
  return value as Address;
}

function quantity(value: unknown, field: string, required: boolean): bigint | undefined {
  if (value === undefined || value === null) {
    if (required) throw new InvalidSimulationError({ field, reason: "expected a number or a 0x-hex quantity" });
    return undefined;
  }
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^0x[0-9a-fA-F]{1,64}$/.test(value)) return BigInt(value);
  throw new InvalidSimulationError({ field, reason: "expected a number or a 0x-hex quantity" });
}
