import { type Address, getAddress, type Hex, isAddress } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import type { CertifiedBatch } from "./committee/committee.ts";
import type { ForcedEntry } from "./forced.ts";
import type { CallRequest, Clock, EngineSnapshot, InboxHead, L1Port, PostedOnL1, RollupEngine } from "./ports.ts";
import type { SequencedTransaction } from "./types.ts";

/** The engine calls an `engine-error` fault can make throw. */
export const ENGINE_STEPS = ["snapshot", "mine", "revert", "read", "call"] as const;

/** An engine call an `engine-error` fault can make throw. */
export type EngineStep = (typeof ENGINE_STEPS)[number];

/**
 * A fault injected into the sequencer (`xr_injectFault`, `--fault`): what a
 * researcher makes go wrong on purpose.
 */
export type Fault =
  /**
   * Without `node`: the whole sequencer is down for `forSlots` slots; rollup
   * writes are refused, reads still work. With `node`: that committee member
   * is down (for `forSlots` slots, or until cleared) and the others fail over.
   */
  | { kind: "crash"; forSlots: number; node?: undefined }
  | { kind: "crash"; node: number; forSlots?: number }
  /** The next `count` batch posts fail; batches are retried with backoff, in order. */
  | { kind: "fail-l1-post"; count: number }
  /** Every batch post waits `ms` milliseconds first. */
  | { kind: "delay-batches"; ms: number }
  /** Transactions from or to `address` (on `chainId`, or every rollup) are held back, silently, by the members `nodes` (default every one). */
  | { kind: "censor"; address: Address; chainId?: number; nodes?: readonly number[] | "all" }
  /** Committee member `node`, when it leads, proposes different orders to different members. */
  | { kind: "equivocate"; node: number }
  /** Relays to `chainId` (or every rollup) are not delivered: their triggers are dropped. */
  | { kind: "withhold-relay"; chainId?: number }
  /** The next engine call at `step` on rollup `chainId` throws. */
  | { kind: "engine-error"; chainId: number; step: EngineStep };

/** A fault with its id, as `xr_getSequencerStatus` lists it. */
export type ActiveFault = Fault & { id: string };

/**
 * Thrown when `xr_injectFault` or `--fault` gets something that is not a
 * fault; nothing is injected. `data.field` names the field that is wrong
 * (absent when the fault is not a JSON object at all), for clients to match.
 */
export class InvalidFaultError extends XrollupError {
  override name = "InvalidFaultError";
  constructor({ field, reason }: { field?: string; reason: string }) {
    super(`Invalid fault: ${reason}.`, {
      ...(field === undefined ? {} : { data: { field } }),
      details: [
        'Kinds: {"kind":"crash","forSlots":n} or {"kind":"crash","node":i|"leader","forSlots":n?}, {"kind":"fail-l1-post","count":k}, ' +
          '{"kind":"delay-batches","ms":d}, {"kind":"censor","address":"0x…","chainId":n?,"nodes":[i]|"all"?}, ' +
          '{"kind":"equivocate","node":i}, {"kind":"withhold-relay","chainId":n?}, ' +
          `{"kind":"engine-error","chainId":n,"step":"${ENGINE_STEPS.join("|")}"}`,
      ],
      code: JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/** Thrown by an engine call that an `engine-error` fault made fail. */
export class InjectedEngineError extends XrollupError {
  override name = "InjectedEngineError";
  constructor({ chainId, step }: { chainId: number; step: EngineStep }) {
    super(`Injected engine error: the ${step} call on rollup ${chainId} failed.`);
  }
}

/** Thrown by a batch post that a `fail-l1-post` fault made fail. */
export class InjectedL1PostError extends XrollupError {
  override name = "InjectedL1PostError";
  constructor({ number }: { number: bigint }) {
    super(`Injected L1 failure: posting batch ${number} failed.`);
  }
}

/** A fault as {@link parseFault} reads it: a `crash` may name the current leader, which the sequencer resolves to a member. */
export type ParsedFault = Fault | { kind: "crash"; node: "leader"; forSlots?: number };

/**
 * Checks a fault as it comes from JSON (the RPC or a flag) against the
 * devnet's rollups and its committee of `members`. Pure.
 *
 * @throws {InvalidFaultError} naming what is wrong.
 */
export function parseFault(input: unknown, chainIds: readonly number[], members = 1): ParsedFault {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidFaultError({ reason: "expected a JSON object with a \"kind\"" });
  }
  const fields = input as Record<string, unknown>;
  const count = (name: string, min: number): number => {
    const value = fields[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
      throw new InvalidFaultError({ field: name, reason: `"${name}" must be an integer of at least ${min}, got ${JSON.stringify(value)}` });
    }
    return value;
  };
  const chainId = (required: boolean): number | undefined => {
    if (fields.chainId === undefined && !required) return undefined;
    const value = fields.chainId;
    if (typeof value !== "number" || !chainIds.includes(value)) {
      throw new InvalidFaultError({ field: "chainId", reason: `"chainId" must be one of the rollups ${chainIds.join(", ")}, got ${JSON.stringify(value)}` });
    }
    return value;
  };
  const optionalChain = (): { chainId?: number } => {
    const id = chainId(false);
    return id === undefined ? {} : { chainId: id };
  };
  const node = (allowLeader: boolean): number | "leader" => {
    const value = fields.node;
    if (allowLeader && value === "leader") return value;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value >= members) {
      const expected = `a committee member from 0 to ${members - 1}${allowLeader ? ' or "leader"' : ""}`;
      throw new InvalidFaultError({ field: "node", reason: `"node" must be ${expected}, got ${JSON.stringify(value)}` });
    }
    return value;
  };
  switch (fields.kind) {
    case "crash": {
      if (fields.node === undefined) return { kind: "crash", forSlots: count("forSlots", 1) };
      const member = node(true);
      const forSlots = fields.forSlots === undefined ? {} : { forSlots: count("forSlots", 1) };
      return member === "leader" ? { kind: "crash", node: "leader", ...forSlots } : { kind: "crash", node: member, ...forSlots };
    }
    case "equivocate":
      return { kind: "equivocate", node: node(false) as number };
    case "fail-l1-post":
      return { kind: "fail-l1-post", count: count("count", 1) };
    case "delay-batches":
      return { kind: "delay-batches", ms: count("ms", 0) };
    case "censor": {
      if (typeof fields.address !== "string" || !isAddress(fields.address, { strict: false })) {
        throw new InvalidFaultError({ field: "address", reason: `"address" must be a 20-byte 0x address, got ${JSON.stringify(fields.address)}` });
      }
      return { kind: "censor", address: getAddress(fields.address), ...optionalChain(), ...censoringNodes(fields.nodes, members) };
    }
    case "withhold-relay":
      return { kind: "withhold-relay", ...optionalChain() };
    case "engine-error": {
      const step = fields.step;
      if (typeof step !== "string" || !(ENGINE_STEPS as readonly string[]).includes(step)) {
        throw new InvalidFaultError({ field: "step", reason: `"step" must be one of ${ENGINE_STEPS.join(", ")}, got ${JSON.stringify(step)}` });
      }
      return { kind: "engine-error", chainId: chainId(true)!, step: step as EngineStep };
    }
    default:
      throw new InvalidFaultError({ field: "kind", reason: `unknown kind ${JSON.stringify(fields.kind)}` });
  }
}

/** The `nodes` of a censor fault: every member (`"all"`, or left out) or a list of distinct member indexes. */
function censoringNodes(value: unknown, members: number): { nodes?: readonly number[] | "all" } {
  if (value === undefined || value === "all") return {};
  const valid = Array.isArray(value) && value.length > 0 && value.every((index) => Number.isSafeInteger(index) && index >= 0 && index < members);
  if (!valid || new Set(value).size !== value.length) {
    throw new InvalidFaultError({
      field: "nodes",
      reason: `"nodes" must be "all" or a non-empty list of distinct members from 0 to ${members - 1}, got ${JSON.stringify(value)}`,
    });
  }
  return { nodes: [...(value as number[])] };
}

/**
 * The faults in force, and what each means for the parts of the sequencer.
 * Faults that count (`crash` slots, `fail-l1-post` posts, `engine-error`
 * once) clear themselves when used up.
 */
export class FaultRegistry {
  readonly #active = new Map<string, Fault>();
  #nextId = 1;

  /** Injects a fault and returns its id. */
  inject(fault: Fault): string {
    const id = `fault-${this.#nextId++}`;
    this.#active.set(id, { ...fault });
    return id;
  }

  /** Clears a fault; `false` if no fault has that id. */
  clear(id: string): boolean {
    return this.#active.delete(id);
  }

  /** The faults in force, oldest first. */
  list(): ActiveFault[] {
    return [...this.#active].map(([id, fault]) => ({ id, ...fault }));
  }

  /** Whether the whole sequencer is down (a `crash` fault that names no member). */
  get crashed(): boolean {
    for (const fault of this.#active.values()) if (fault.kind === "crash" && fault.node === undefined) return true;
    return false;
  }

  /** Whether committee member `node` is down (a `crash` fault that names it). */
  nodeCrashed(node: number): boolean {
    for (const fault of this.#active.values()) if (fault.kind === "crash" && fault.node === node) return true;
    return false;
  }

  /** Whether committee member `node` equivocates when it leads. */
  equivocates(node: number): boolean {
    for (const fault of this.#active.values()) if (fault.kind === "equivocate" && fault.node === node) return true;
    return false;
  }

  /** Whether committee member `node` censors anything (a `censor` fault that covers it). */
  censoring(node: number): boolean {
    for (const fault of this.#active.values()) if (fault.kind === "censor" && coversNode(fault, node)) return true;
    return false;
  }

  /** A slot went by while the whole sequencer was down: counts down its `crash` faults. */
  missSlot(): void {
    this.#countDownCrashes((fault) => fault.node === undefined);
  }

  /** A slot (or a view that timed out) went by: counts down the crashes of members that count slots. */
  viewPassed(): void {
    this.#countDownCrashes((fault) => fault.node !== undefined);
  }

  #countDownCrashes(which: (fault: Extract<Fault, { kind: "crash" }>) => boolean): void {
    for (const [id, fault] of this.#active) {
      if (fault.kind !== "crash" || fault.forSlots === undefined || !which(fault)) continue;
      fault.forSlots -= 1;
      if (fault.forSlots <= 0) this.#active.delete(id);
    }
  }

  /** Whether a `censor` fault of committee member `node` (the slot's leader; 0 alone) holds the transaction back. */
  censors(transaction: SequencedTransaction, node = 0): boolean {
    for (const fault of this.#active.values()) {
      if (fault.kind !== "censor" || !coversNode(fault, node)) continue;
      if (fault.chainId !== undefined && fault.chainId !== transaction.chainId) continue;
      const address = fault.address.toLowerCase();
      if (transaction.from.toLowerCase() === address || transaction.to?.toLowerCase() === address) return true;
    }
    return false;
  }

  /** Whether relays to the rollup are withheld. */
  withholdsRelayTo(chainId: number): boolean {
    for (const fault of this.#active.values()) {
      if (fault.kind === "withhold-relay" && (fault.chainId === undefined || fault.chainId === chainId)) return true;
    }
    return false;
  }

  /** Uses up an `engine-error` fault at this step of this rollup, if there is one. */
  takeEngineError(chainId: number, step: EngineStep): boolean {
    for (const [id, fault] of this.#active) {
      if (fault.kind === "engine-error" && fault.chainId === chainId && fault.step === step) {
        this.#active.delete(id);
        return true;
      }
    }
    return false;
  }

  /** Uses up one failure of a `fail-l1-post` fault, if there is one. */
  takeL1PostFailure(): boolean {
    for (const [id, fault] of this.#active) {
      if (fault.kind !== "fail-l1-post") continue;
      fault.count -= 1;
      if (fault.count <= 0) this.#active.delete(id);
      return true;
    }
    return false;
  }

  /** How long batch posts wait (the longest `delay-batches` fault). */
  get batchDelayMs(): number {
    let delay = 0;
    for (const fault of this.#active.values()) if (fault.kind === "delay-batches") delay = Math.max(delay, fault.ms);
    return delay;
  }

}

/** Whether a censor fault covers committee member `node`. */
function coversNode(fault: Extract<Fault, { kind: "censor" }>, node: number): boolean {
  return fault.nodes === undefined || fault.nodes === "all" || fault.nodes.includes(node);
}

/**
 * A rollup engine that calls `before(step)` ahead of each call, which may
 * throw instead of letting the call reach the chain: how faults (and tests
 * that count calls) stand between the sequencer and its engines.
 */
export class InterceptedEngine implements RollupEngine {
  readonly chainId: number;
  readonly #inner: RollupEngine;
  readonly #before: (step: EngineStep) => void;
  /** The optional capabilities of the engine inside, behind the same steps: state cheats and simulations write (`mine`), traces read. */
  readonly applyOperations?: RollupEngine["applyOperations"];
  readonly mineUnsigned?: RollupEngine["mineUnsigned"];
  readonly trace?: RollupEngine["trace"];

  constructor(inner: RollupEngine, before: (step: EngineStep) => void) {
    this.#inner = inner;
    this.#before = before;
    this.chainId = inner.chainId;
    const { applyOperations, mineUnsigned, trace } = inner;
    if (applyOperations !== undefined) {
      this.applyOperations = async (operations) => {
        before("mine");
        return applyOperations.call(inner, operations);
      };
    }
    if (mineUnsigned !== undefined) {
      this.mineUnsigned = async (transaction, timestamp) => {
        before("mine");
        return mineUnsigned.call(inner, transaction, timestamp);
      };
    }
    if (trace !== undefined) {
      this.trace = async (hash) => {
        before("read");
        return trace.call(inner, hash);
      };
    }
  }

  // Each method is async, as a real engine's, so that a throw rejects the call rather than escaping synchronously.
  async mineBlock(raws: readonly Hex[], timestamp: number) {
    this.#before("mine");
    return this.#inner.mineBlock(raws, timestamp);
  }

  async snapshot(options?: { held?: boolean }) {
    this.#before("snapshot");
    return this.#inner.snapshot(options);
  }

  async revert(snapshot: EngineSnapshot) {
    this.#before("revert");
    return this.#inner.revert(snapshot);
  }

  // Not a step: releasing never fails a slot (see RollupEngine.release).
  async release(snapshot: EngineSnapshot) {
    return this.#inner.release(snapshot);
  }

  async latestBlock() {
    this.#before("read");
    return this.#inner.latestBlock();
  }

  async block(number: number) {
    this.#before("read");
    return this.#inner.block(number);
  }

  async nonceOf(address: Address) {
    this.#before("read");
    return this.#inner.nonceOf(address);
  }

  async balanceOf(address: Address) {
    this.#before("read");
    return this.#inner.balanceOf(address);
  }

  async call(request: CallRequest, blockNumber?: number) {
    this.#before("call");
    return this.#inner.call(request, blockNumber);
  }
}

/** A rollup engine whose calls fail when an `engine-error` fault says so: the stand-in that proves slots all-or-nothing. */
export function faultyEngine(inner: RollupEngine, faults: FaultRegistry): RollupEngine {
  return new InterceptedEngine(inner, (step) => {
    if (faults.takeEngineError(inner.chainId, step)) throw new InjectedEngineError({ chainId: inner.chainId, step });
  });
}

/** L1 as the faults let the sequencer see it: posts fail (`fail-l1-post`) or wait (`delay-batches`). */
export class FaultyL1 implements L1Port {
  readonly #inner: L1Port;
  readonly #faults: FaultRegistry;
  readonly #clock: Clock;

  constructor(inner: L1Port, faults: FaultRegistry, clock: Clock) {
    this.#inner = inner;
    this.#faults = faults;
    this.#clock = clock;
  }

  async postBatch(batch: CertifiedBatch): Promise<Hex> {
    const delay = this.#faults.batchDelayMs;
    if (delay > 0) await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
    if (this.#faults.takeL1PostFailure()) throw new InjectedL1PostError({ number: batch.header.number });
    return this.#inner.postBatch(batch);
  }

  inboxHead(): Promise<InboxHead> {
    return this.#inner.inboxHead();
  }

  batchTransaction(number: number): Promise<PostedOnL1 | undefined> {
    return this.#inner.batchTransaction(number);
  }

  committeeMembers(): Promise<Address[]> {
    return this.#inner.committeeMembers();
  }

  forcedQueue(from: number): Promise<ForcedEntry[]> {
    return this.#inner.forcedQueue(from);
  }
}
