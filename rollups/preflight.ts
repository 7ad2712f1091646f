import { type Abi, type Address, type Hex, isAddress, isHex, toEventSelector, zeroAddress } from "viem";
import { formatAbiItem } from "viem/utils";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { artifact } from "../contracts/artifacts.ts";
import { ActionWouldRevertError, DebuggingUnsupportedError } from "../sequencer/errors.ts";
import type { ReasonCode } from "../sequencer/reasons.ts";
import type { SharedSequencer } from "../sequencer/sequencer.ts";
import type { UnsignedTransaction } from "../sequencer/simulation.ts";
import type { CallFrame } from "../sequencer/trace.ts";
import type { Chain } from "./chain.ts";

/**
 * `eth_call` and `eth_estimateGas` on a rollup, with a pre-flight for
 * triggers: a call that sends a cross-rollup message is run with every
 * action it causes on a throwaway state (`SharedSequencer.preflight`), and
 * if an action would revert, the answer is the execution error a local
 * revert gives (code 3, `data` the action's raw revert data, the message
 * naming the action's rollup, target and reason) instead of a result the
 * sequencer would then drop.
 *
 * Whether a call sends a message is learnt by running it once with EDR's
 * callTracer and looking for the messenger's `SentMessage` among its logs:
 * one more execution of the call, and nothing more, for calls that send
 * none. Calls on an older block or with state overrides, and calls that
 * fail on their own rollup, go straight to the chain, which answers as it
 * always does.
 */
export async function callWithPreflight(chain: Chain, sequencer: SharedSequencer, method: "eth_call" | "eth_estimateGas", params: unknown[]): Promise<unknown> {
  const forward = () => chain.provider.request({ method, params });
  const call = preflightCall(chain.spec.chainId, params);
  if (call === undefined) return forward();
  let frame: CallFrame;
  try {
    frame = (await chain.provider.request({
      method: "debug_traceCall",
      params: [params[0], "latest", { tracer: "callTracer", tracerConfig: { withLog: true } }],
    })) as CallFrame;
  } catch {
    return forward();
  }
  if (frame.error !== undefined || !sendsMessage(frame)) return forward();
  let reason;
  try {
    reason = await sequencer.preflight(call);
  } catch (error) {
    // An engine a test or tool wrapped cannot simulate: the call is answered as a plain one.
    if (error instanceof DebuggingUnsupportedError) return forward();
    throw error;
  }
  if (reason !== undefined && ACTION_FAILURES.has(reason.code)) {
    throw new ActionWouldRevertError({ reason: reason.message, data: reason.failedLeg?.data ?? "0x" });
  }
  // The trigger itself failing is the chain's to answer, as for any call.
  return forward();
}

/** The drop reasons of a unit whose trigger ran: an action reverted, or a message could not be relayed. */
const ACTION_FAILURES: ReadonlySet<ReasonCode> = new Set(["action-reverted", "message-depth-exceeded"]);

/**
 * The call to pre-flight, from `eth_call`'s or `eth_estimateGas`'s
 * parameters; `undefined` for one that is not run on the latest state as it
 * is (an older block, state overrides) or that the chain should judge itself
 * (malformed fields).
 */
function preflightCall(chainId: number, params: readonly unknown[]): UnsignedTransaction | undefined {
  const [request, block, overrides] = params;
  if (block !== undefined && block !== "latest" && block !== "pending") return undefined;
  if (overrides !== undefined || typeof request !== "object" || request === null) return undefined;
  const { from, to, data, input, value, gas } = request as Record<string, unknown>;
  const calldata = data ?? input;
  const fieldsValid =
    (from === undefined || (typeof from === "string" && isAddress(from, { strict: false }))) &&
    (to === undefined || to === null || (typeof to === "string" && isAddress(to, { strict: false }))) &&
    (calldata === undefined || isHex(calldata)) &&
    (value === undefined || isHex(value)) &&
    (gas === undefined || isHex(gas));
  if (!fieldsValid) return undefined;
  return {
    chainId,
    from: (from as Address | undefined) ?? zeroAddress,
    ...(typeof to === "string" ? { to: to as Address } : {}),
    ...(calldata === undefined ? {} : { data: calldata as Hex }),
    ...(value === undefined ? {} : { value: BigInt(value as Hex) }),
    ...(gas === undefined ? {} : { gas: BigInt(gas as Hex) }),
  };
}

let sentMessageTopic: Hex | undefined;

/** Whether the messenger emitted `SentMessage` anywhere in the call tree. */
function sendsMessage(frame: CallFrame): boolean {
  sentMessageTopic ??= toEventSelector(
    formatAbiItem((artifact("L2ToL2CrossDomainMessenger").abi as Abi).find((item) => item.type === "event" && item.name === "SentMessage")!),
  );
  const messenger = MESSENGER_ADDRESS.toLowerCase();
  const emits = (current: CallFrame): boolean =>
    (current.logs ?? []).some((log) => log.address.toLowerCase() === messenger && log.topics[0] === sentMessageTopic) || (current.calls ?? []).some(emits);
  return emits(frame);
}
