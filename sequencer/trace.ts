import { type Address, decodeFunctionData, type Hex, parseTransaction, type TransactionSerialized } from "viem";
import { formatAbiItem } from "viem/utils";
import type { KnownAbis } from "../contracts/abi-registry.ts";
import { artifact } from "../contracts/artifacts.ts";
import { DebuggingUnsupportedError } from "./errors.ts";
import type { RollupEngine } from "./ports.ts";
import type { FailedLeg, ReasonCode } from "./reasons.ts";
import type { TransactionRecords } from "./records.ts";
import { messageHash } from "./relayer.ts";
import { describeRevert } from "./revert-reason.ts";
import type { Simulation, SimulationInput } from "./simulation.ts";
import type { SequencedTransaction } from "./types.ts";

/** A log as a call frame carries it (callTracer's `withLog`). */
export interface CallLog {
  address: Address;
  topics: Hex[];
  data: Hex;
  /** Where among the frame's calls it was emitted. */
  position?: Hex;
  index?: Hex;
}

/**
 * One call of a transaction's call tree, in geth's callTracer shape
 * (quantities as 0x-hex), with what xrollup adds: the reverted call's
 * decoded `revertReason` and the called `function` where an ABI the devnet
 * knows has its selector.
 */
export interface CallFrame {
  /** `CALL`, `STATICCALL`, `DELEGATECALL`, `CALLCODE`, `CREATE`, `CREATE2` or `SELFDESTRUCT`. */
  type: string;
  from: Address;
  to?: Address;
  value?: Hex;
  gas: Hex;
  gasUsed: Hex;
  input: Hex;
  /** What it returned, or its revert data. */
  output?: Hex;
  /** Why it failed (`execution reverted`, `out of gas`, …). */
  error?: string;
  /** A reverted call's revert data, in words. */
  revertReason?: string;
  /** The function called, e.g. `greet(uint256,string)`, when an ABI the devnet knows has its selector. */
  function?: string;
  calls?: CallFrame[];
  logs?: CallLog[];
}

/** One leg of a transaction's trace: the trigger, or an action it caused. */
export interface TracedLeg {
  chainId: number;
  role: "trigger" | "action";
  /** The leg's transaction: for an action re-run on a throwaway state, its relay there. Absent for a trigger re-run unsigned. */
  transactionHash?: Hex;
  /** For an action, the hash of the message it relays. */
  messageHash?: Hex;
  trace: CallFrame;
}

/** The answer of `xr_traceTransaction`. */
export interface TransactionTrace {
  /** The trigger traced (for a relay's hash: the trigger it acts for). */
  transactionHash: Hex;
  status: "pending" | "included" | "dropped";
  /**
   * `false`: each leg as it ran in its block. `true`: a dropped or pending
   * transaction, re-run now with its actions on a throwaway state of the
   * rollups (nothing committed): what it does now, which may differ from
   * when it was dropped. A transaction whose nonce its sender has used since
   * is re-run unsigned, from its sender, with its fields.
   */
  reExecuted: boolean;
  legs: TracedLeg[];
  /** For a re-run that fails: why, as `xr_getTransactionStatus` would say it now. */
  failure?: { reasonCode: ReasonCode; reason: string; failedLeg?: FailedLeg };
}

/** What tracing needs from the sequencer. */
export interface TraceContext {
  records: TransactionRecords;
  /** The hashes of a bundle's transactions, in order. */
  bundle(bundleId: Hex): readonly Hex[] | undefined;
  engines: readonly RollupEngine[];
  abis: KnownAbis;
  /** Runs units on a throwaway state between slots (`simulateUnits`). */
  simulate(units: readonly (readonly SimulationInput[])[], options: { trace: boolean }): Promise<Simulation>;
}

/**
 * `xr_traceTransaction`: the call tree of every leg of a transaction, the
 * trigger and each action, with revert reasons decoded. An included
 * transaction is traced in its block, with the relays recorded for it; a
 * dropped or pending one (with its bundle) is re-run with its actions on a
 * throwaway state (see {@link TransactionTrace.reExecuted}). `null` for a
 * transaction the sequencer never accepted.
 */
export async function traceTransaction(context: TraceContext, hash: Hex): Promise<TransactionTrace | null> {
  const asked = context.records.transaction(hash);
  if (asked === undefined) return null;
  const trigger = asked.relayOf === undefined ? asked : (context.records.transaction(asked.relayOf) ?? asked);
  const status = context.records.status(trigger.hash, () => null)!.status;
  if (status === "included") {
    const legs = [trigger, ...context.records.relaysOf(trigger.hash)];
    return {
      transactionHash: trigger.hash,
      status,
      reExecuted: false,
      legs: await Promise.all(legs.map(async (leg) => includedLeg(context, leg))),
    };
  }
  const unit = (trigger.bundleId === undefined ? undefined : context.bundle(trigger.bundleId)) ?? [trigger.hash];
  const inputs = unit.map((member): SimulationInput => ({ kind: "signed", transaction: context.records.transaction(member)!, orUnsigned: true }));
  const simulation = await context.simulate([inputs], { trace: true });
  const failure = simulation.failures[0];
  return {
    transactionHash: trigger.hash,
    status,
    reExecuted: true,
    legs: simulation.legs.flatMap((leg): TracedLeg[] =>
      leg.trace === undefined
        ? []
        : [
            {
              chainId: leg.chainId,
              role: leg.role,
              ...(leg.signed || leg.role === "action" ? { transactionHash: leg.transactionHash } : {}),
              ...(leg.messageHash === undefined ? {} : { messageHash: leg.messageHash }),
              trace: decorateFrame(leg.trace, context.abis),
            },
          ],
    ),
    ...(failure === undefined
      ? {}
      : {
          failure: {
            reasonCode: failure.reason.code,
            reason: failure.reason.message,
            ...(failure.reason.failedLeg === undefined ? {} : { failedLeg: failure.reason.failedLeg }),
          },
        }),
  };
}

/** A leg of an included transaction, traced in its block. */
async function includedLeg(context: TraceContext, transaction: SequencedTransaction): Promise<TracedLeg> {
  const engine = context.engines.find((candidate) => candidate.chainId === transaction.chainId);
  if (engine?.trace === undefined) throw new DebuggingUnsupportedError({ chainId: transaction.chainId, needs: "trace transactions" });
  const trace = decorateFrame(await engine.trace(transaction.hash), context.abis);
  if (transaction.relayOf === undefined) return { chainId: transaction.chainId, role: "trigger", transactionHash: transaction.hash, trace };
  return { chainId: transaction.chainId, role: "action", transactionHash: transaction.hash, messageHash: relayedMessageHash(transaction.raw), trace };
}

/** The hash of the message a relay relays, read from its calldata (`relayMessage(message, v, r, s)`). */
function relayedMessageHash(raw: Hex): Hex {
  const { data } = parseTransaction(raw as TransactionSerialized);
  const { args } = decodeFunctionData({ abi: artifact("L2ToL2CrossDomainMessenger").abi, data: data! });
  const [message] = args as unknown as [{ destination: bigint; source: bigint; nonce: bigint; sender: Address; target: Address; message: Hex }];
  return messageHash(message);
}

/**
 * A frame and its calls with what the devnet's ABIs tell: a failed call's
 * revert data in words, and the function each call names. Pure.
 */
export function decorateFrame(frame: CallFrame, abis: KnownAbis): CallFrame {
  const called = frame.type.endsWith("CALL") && frame.input.length >= 10 ? abis.function(frame.input.slice(0, 10).toLowerCase() as Hex) : undefined;
  const reverted = frame.error === "execution reverted";
  return {
    ...frame,
    ...(called === undefined ? {} : { function: formatAbiItem(called) }),
    ...(reverted ? { revertReason: describeRevert(frame.output ?? "0x", abis) } : {}),
    ...(frame.calls === undefined ? {} : { calls: frame.calls.map((call) => decorateFrame(call, abis)) }),
  };
}
