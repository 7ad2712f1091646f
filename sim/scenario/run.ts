import {
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  maxUint256,
  zeroHash,
  parseEventLogs,
  toHex,
  type TransactionReceipt,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { artifact, sharedInboxArtifact } from "../../contracts/artifacts.ts";
import { deployMarket, type Market, readReserves } from "../../demo/market.ts";
import { type Devnet, type DevnetChain, startDevnet } from "../../devnet/devnet.ts";
import { XrollupError } from "../../errors/base.ts";
import type { DevAccount } from "../../rollups/accounts.ts";
import { encryptTransaction } from "../../sequencer/encryption/threshold.ts";
import { fcfsPolicy } from "../../sequencer/policies/fcfs.ts";
import { type Bid, isPolicyModulePath, loadPolicy, type OrderingPolicy } from "../../sequencer/policies/index.ts";
import { TIMEBOOST_DEFAULTS, timeboostRound } from "../../sequencer/policies/timeboost.ts";
import { getAmountOut, minOutFor, optimalSandwich, simulateSandwich, UNISWAP_V2_FEE_BPS } from "../amm.ts";
import { deployBatchAuction, REFUND_REASONS } from "../batch-auction.ts";
import { type ArbitragePool, arbitrageDirection, optimalArbitrage } from "../arbitrage.ts";
import { createRandom, type Random } from "../random.ts";
import type { LedgerEntry, PolicyResult, PolicyTrace, ScenarioResult, TraceAction, TraceRole, TraceTransaction } from "../report/types.ts";
import { formatTokens } from "../tokens.ts";
import { labAccount, VICTIM_ACCOUNTS, victimAccount } from "./accounts.ts";
import { applyFaults, censoredBy, censorship, censorWindows, type Inclusion, percentile } from "./faults.ts";
import { blockNumbers, type BlockRange, type Holder, type LedgerToken, ledgerEntry, readBalances } from "./ledger.ts";
import { arbitragePlacement, backrunPlacement, type PolicyView, sandwichPlacement } from "./placement.ts";
import { COINBASE_LABEL, holdings, sequencerRevenue } from "./accounting.ts";
import { arbitrageOutcomes, succeededSandwiches } from "./outcomes.ts";
import { type PlannedTrade, planTrades, USER_TIP_WEI } from "./plan.ts";
import type { Scenario, ScenarioConfiguration, ScenarioPolicy, ScenarioSearcher } from "./schema.ts";

export { censoredBy, censorship, percentile } from "./faults.ts";
export type { CensorWindow, Inclusion } from "./faults.ts";

/** Gas every scenario transaction may use (swaps, and swap-and-deposit triggers with their action). */
const TRADE_GAS = 1_000_000n;
/** Gas of a batch-auction order, and of clearing a batch (one round of 64 orders takes about 1.1M). */
const ORDER_GAS = 300_000n;
const CLEAR_GAS = 3_000_000n;
/** Gas of an ETH transfer (an auction payment). */
const TRANSFER_GAS = 21_000n;
/** Gas the action of a swap-and-deposit gets on its destination. */
const ACTION_GAS = 400_000n;
/** What every trader offers above the base fee, on top of its tip. */
const FEE_HEADROOM = 10_000_000_000n;
/** ETH every derived lab account starts with on every rollup (a cheat, before the books open). */
const LAB_ETH = 10n ** 24n;
/** Priority fee of the lab's own set-up and payment transactions. */
const SETUP_TIP = 1n;
/** The sequencer-attacker's searchers count from here among the derived searcher accounts, apart from public searchers. */
const SEQUENCER_SEARCHERS = 100;

/** Thrown for a scenario the simulator cannot run as written. */
export class UnsupportedScenarioError extends XrollupError {
  override name = "UnsupportedScenarioError";
  constructor({ field, reason }: { field: string; reason: string }) {
    super(`Cannot run this scenario: ${field}: ${reason}.`);
  }
}

/** Thrown when the lab's own set-up fails on a rollup (a deployment or an approval that did not run). */
export class ScenarioSetupError extends XrollupError {
  override name = "ScenarioSetupError";
  constructor({ rollup, reason }: { rollup: string; reason: string }) {
    super(`Scenario set-up failed on ${rollup}: ${reason}.`);
  }
}

/** Progress of a run: `done` of `total` steps, with what is running. */
export type ScenarioProgress = (done: number, total: number, label: string) => void;

/**
 * Runs a scenario on a real in-process devnet, once per configuration and
 * policy, with the same trades each time (drawn from the scenario's seed).
 * For every policy it returns the accounting (realised profit, inventory,
 * losses, revenue, fees, the books of every token), and a trace of every
 * slot and transaction. Everything but `timing` and `generatedAt` is the
 * same, byte for byte, for the same scenario and seed.
 *
 * @example
 * ```ts
 * const result = await runScenario(await loadScenario("scenario.json"));
 * console.log(formatTable(result));
 * ```
 */
export async function runScenario(scenario: Scenario, onProgress: ScenarioProgress = () => undefined): Promise<ScenarioResult> {
  checkSupported(scenario);
  const trades = planTrades(scenario);
  const runs = scenario.configurations.flatMap((configuration) => scenario.policies.map((policy) => ({ configuration, policy })));
  const total = runs.length * (scenario.slots + 1);
  let done = 0;
  const policies: PolicyResult[] = [];
  for (const { configuration, policy } of runs) {
    const run = scenario.configurations.length === 1 ? policy.name : `${configuration.name} · ${policy.name}`;
    onProgress(done, total, `${run}: deploying`);
    const ordering = await loadPolicy(policy.options === undefined || Object.keys(policy.options).length === 0 ? policy.name : { name: policy.name, ...policy.options });
    policies.push(
      await new PolicyRun(scenario, configuration, policy, ordering, trades).run((label) => {
        done += 1;
        onProgress(done, total, `${run}: ${label}`);
      }),
    );
  }
  return {
    name: scenario.name,
    seed: scenario.seed,
    rollups: scenario.rollups,
    slots: scenario.slots,
    scenario: scenario.source,
    configurations: scenario.configurations.map(({ name, sequencers, faults, viewTimeoutMs }) => ({ name, sequencers, faults: faults.length, viewTimeoutMs })),
    policies,
    generatedAt: new Date().toISOString(),
  };
}

function checkSupported(scenario: Scenario): void {
  const batchAuction = scenario.policies.findIndex((policy) => policy.name === "batch-auction");
  if (batchAuction !== -1 && (scenario.victims.some((victim) => victim.depositOn !== undefined) || (scenario.users !== undefined && scenario.users.depositOn !== "none"))) {
    throw new UnsupportedScenarioError({
      field: `policies[${batchAuction}]`,
      reason: 'a batch auction settles on the pool\'s rollup and cannot send a cross-rollup deposit; give victims no "depositOn" and users "depositOn": "none"',
    });
  }
  for (const [index, pool] of scenario.pools.entries()) {
    if (BigInt(pool.feeBps) !== UNISWAP_V2_FEE_BPS) {
      throw new UnsupportedScenarioError({ field: `pools[${index}].feeBps`, reason: "the on-chain pool charges Uniswap v2's 30 bps" });
    }
  }
}

/** A transaction the run sent, and what it was for. */
interface Sent {
  role: TraceRole;
  action: TraceAction;
  /** The trade it is (victims, users) or targets (searchers' front- and back-runs, back-run legs). */
  trade?: number;
  /** The searcher that sent it. */
  searcher?: number;
  /** Legs of one arbitrage share an id. */
  arbitrage?: number;
  pool?: number;
  /** The scenario slot it was sent in. */
  slot: number;
  receivedAt: number;
  /** The transaction hash, or for an encrypted one the ciphertext id until it is decrypted. */
  id: Hex;
  /** The signed transaction's hash, whichever way it was sent (encrypted, bundled, or forced through L1). */
  transactionHash: Hex;
  /** The signed transaction, as a forced inclusion sends it again. */
  raw: Hex;
  from: Address;
  to: Address;
  encrypted: boolean;
  bundled: boolean;
  rollup: DevnetChain;
  /** How many times the run sent these same bytes before (a dropped transaction is signed again identically when nothing changed). */
  attempt: number;
  tokenIn?: "IN" | "OUT";
  amountIn?: bigint;
}

/** A signed transaction, before it is sent. */
interface Signed {
  raw: Hex;
  hash: Hex;
  from: Address;
  to: Address;
  rollup: DevnetChain;
}

/** What a transaction is for, as the run records it when it is sent. */
type SentWhat = Omit<Sent, "id" | "transactionHash" | "raw" | "from" | "to" | "encrypted" | "bundled" | "rollup" | "receivedAt" | "attempt">;

/** One transaction of a bundle or a bid: signed, with what it is for. */
interface Leg {
  signed: Signed;
  what: SentWhat;
}

/** A searcher: its scenario entry, its account and what it learnt. */
interface Searcher {
  index: number;
  entry: ScenarioSearcher;
  account: DevAccount;
  /** Timeboost: its in-tokens when the current round began, to bid what it made in the round. */
  roundStart?: bigint;
}

/** One searcher's money, in wei, before it is written as decimals. */
interface SearcherResult {
  searcher: number;
  strategy: ScenarioSearcher["strategy"];
  as: ScenarioSearcher["as"];
  realised: bigint;
  inventory: bigint;
  inventoryValue: bigint;
  gas: bigint;
  paid: bigint;
}

/** A bid a searcher placed, to pay for if it wins. */
interface PlacedBid {
  id: Hex;
  searcher: Searcher;
  slot: number;
  /** Its transactions' hashes: recorded as sent, and forgotten again if the bid loses (they were never accepted). */
  hashes: Hex[];
}

/**
 * One policy's run of the scenario on its own devnet: set-up, then the
 * scenario's slots, then the books. Lifecycle object: `run()` once.
 */
class PolicyRun {
  readonly #scenario: Scenario;
  readonly #configuration: ScenarioConfiguration;
  readonly #policy: ScenarioPolicy;
  readonly #ordering: OrderingPolicy;
  readonly #trades: readonly PlannedTrade[];
  /** Set-up runs in arrival order whatever the policy, so that deployments precede their use; the scenario's slots use the policy. */
  #settingUp = true;
  #devnet!: Devnet;
  #random!: Random;
  readonly #nonces = new Map<string, number>();
  readonly #signers = new Map<Hex, PrivateKeyAccount>();
  readonly #receipts = new Map<Hex, Promise<TransactionReceipt>>();
  readonly #markets: Market[] = [];
  readonly #searchers: Searcher[] = [];
  readonly #sent: Sent[] = [];
  readonly #inclusions = new Map<Hex, Inclusion>();
  /** Sends per transaction hash, to tell a resend's fate from the first's. */
  readonly #sendCounts = new Map<Hex, number>();
  /** Transactions neither included nor dropped yet, and how far `#sent` has been looked at. */
  #unsettled: Sent[] = [];
  #settledUpTo = 0;
  readonly #bids: PlacedBid[] = [];
  readonly #auctions: PolicyTrace["auctions"] = [];
  /** Payments the run owes for auctions won, to send at the next slot. */
  #owed: { searcher: Searcher; to: Address; amountWei: bigint; refund: boolean; rollup: DevnetChain }[] = [];
  readonly #slotTraces: PolicyTrace["slots"] = [];
  readonly #arbitragePlans: PolicyTrace["arbitrages"] = [];
  /** Batch-auction policy: the `BatchAuction` in front of each pool. */
  readonly #auctionsByPool: Address[] = [];
  /** Timeboost: the sequencer slot whose round the searchers last bid for. */
  #roundBidFor: number | undefined;
  /** Timeboost: who controls the express lane, and until which sequencer slot. */
  #expressLane: { controller: Address; untilSlot: number } | undefined;
  /** Where rollup blocks pay their priority fees, and where auction winners pay. */
  #coinbase!: Address;

  constructor(scenario: Scenario, configuration: ScenarioConfiguration, policy: ScenarioPolicy, ordering: OrderingPolicy, trades: readonly PlannedTrade[]) {
    this.#scenario = scenario;
    this.#configuration = configuration;
    this.#policy = policy;
    this.#ordering = ordering;
    this.#trades = trades;
  }

  /** The policy as the devnet runs it: arrival order during set-up, the scenario's policy after. */
  #devnetPolicy(): OrderingPolicy {
    const ordering = this.#ordering;
    const run = () => !this.#settingUp;
    return {
      name: ordering.name,
      ...(ordering.auction === undefined ? {} : { auction: (bids, context) => ordering.auction!(bids, context) }),
      order: (pending, context) => (run() ? ordering.order(pending, context) : fcfsPolicy.order(pending, context)),
    };
  }

  async run(step: (label: string) => void): Promise<PolicyResult> {
    const started = performance.now();
    const scenario = this.#scenario;
    this.#devnet = await startDevnet(
      {
        rollups: scenario.rollups,
        manual: true,
        seed: scenario.seed,
        committee: scenario.committee,
        sequencers: this.#configuration.sequencers,
        viewTimeoutMs: this.#configuration.viewTimeoutMs,
      },
      { onError: () => undefined, policy: this.#devnetPolicy() },
    );
    try {
      this.#random = createRandom(keccak256(toHex(`${String(scenario.seed)}/${this.#policy.name}/${JSON.stringify(this.#policy.options)}`)));
      await this.#setUp();
      step("deployed");
      return await this.#slots(step, started);
    } finally {
      await this.#devnet.stop();
    }
  }

  get #kind(): string {
    return isPolicyModulePath(this.#policy.name) ? "module" : this.#policy.name;
  }

  /** The accounts that trade: victims' development accounts, users that appear in a trade, searchers. */
  #traderAccount(trade: PlannedTrade): DevAccount {
    return trade.trader.kind === "victim" ? victimAccount(this.#devnet.accounts, trade.trader.index) : labAccount("user", trade.trader.index);
  }

  async #nextNonce(rollup: DevnetChain, account: DevAccount): Promise<number> {
    const key = `${rollup.chainId}:${account.address}`;
    // "pending" counts what the sequencer holds: the nonce a wallet would sign with.
    const nonce = this.#nonces.get(key) ?? (await rollup.publicClient.getTransactionCount({ address: account.address, blockTag: "pending" }));
    this.#nonces.set(key, nonce + 1);
    return nonce;
  }

  /** viem's account for a key, kept: deriving its public key costs more than signing. */
  #signer(account: DevAccount): PrivateKeyAccount {
    const known = this.#signers.get(account.privateKey);
    if (known !== undefined) return known;
    const signer = privateKeyToAccount(account.privateKey);
    this.#signers.set(account.privateKey, signer);
    return signer;
  }

  async #sign(rollup: DevnetChain, account: DevAccount, request: { to?: Address; data?: Hex; value?: bigint; tip: bigint; gas?: bigint }): Promise<Signed> {
    const raw = await this.#signer(account).signTransaction({
      type: "eip1559",
      chainId: rollup.chainId,
      nonce: await this.#nextNonce(rollup, account),
      to: request.to,
      data: request.data,
      value: request.value,
      gas: request.gas ?? TRADE_GAS,
      maxPriorityFeePerGas: request.tip,
      maxFeePerGas: request.tip + FEE_HEADROOM,
    });
    return { raw, hash: keccak256(raw), from: account.address, to: request.to ?? account.address, rollup };
  }

  /**
   * Set-up: ETH for the derived accounts (a cheat), then every market's
   * contracts, liquidity, funding and approvals, all sent at once and
   * included in as few slots as the gas limit allows; then the batches go
   * to L1, so that the scenario's slots are measured alone.
   */
  async #setUp(): Promise<void> {
    const scenario = this.#scenario;
    const devnet = this.#devnet;
    for (const [index, entry] of scenario.searchers.entries()) {
      this.#searchers.push({ index, entry, account: labAccount("searcher", entry.as === "sequencer" ? SEQUENCER_SEARCHERS + index : index) });
    }
    const users = [...new Set(this.#trades.filter((trade) => trade.trader.kind === "user").map((trade) => trade.trader.index))].map((index) => labAccount("user", index));
    const deployers = scenario.pools.map((_, index) => labAccount("deployer", index));
    const settlers = this.#kind === "batch-auction" ? scenario.pools.map((_, index) => labAccount("settler", index)) : [];
    const funded = [...users, ...this.#searchers.map((searcher) => searcher.account), ...deployers, ...settlers];
    for (const rollup of devnet.rollups) {
      // A cheat, as Hardhat's: the books open after it, so this ETH is where every account starts.
      for (const account of funded) await cheat(rollup, "hardhat_setBalance", [account.address, toHex(LAB_ETH)]);
    }
    const setupHashes: { hash: Hex; rollup: DevnetChain }[] = [];
    const send = async (rollup: DevnetChain, account: DevAccount, request: { to?: Address; data: Hex }) => {
      const signed = await this.#sign(rollup, account, { ...request, tip: SETUP_TIP, gas: TRADE_GAS * 5n });
      await devnet.sequencer.submitRawTransaction(rollup.chainId, signed.raw, { receivedAt: setupHashes.length });
      setupHashes.push({ hash: signed.hash, rollup });
    };
    const searcherAccounts = this.#searchers.map((searcher) => searcher.account);
    for (const [index, pool] of scenario.pools.entries()) {
      const poolTraders = new Map<Address, { account: DevAccount; fundIn: bigint }>();
      for (const trade of this.#trades) {
        if (trade.pool !== index) continue;
        const account = this.#traderAccount(trade);
        const entry = poolTraders.get(account.address) ?? { account, fundIn: 0n };
        entry.fundIn += trade.amountIn;
        poolTraders.set(account.address, entry);
      }
      this.#markets.push(
        await deployMarket(devnet, {
          deployer: deployers[index]!,
          poolRollup: pool.rollup,
          reserveIn: pool.reserveIn,
          reserveOut: pool.reserveOut,
          tokens: { in: ["Scenario in-token", "IN"], out: ["Scenario out-token", "OUT"] },
          vaultCap: maxUint256,
          // Searchers hold in-tokens as large as the pool; arbitrageurs also hold out-tokens, to sell where they are dear.
          traders: [
            ...poolTraders.values(),
            ...this.#searchers.map(({ account, entry }) => ({ account, fundIn: pool.reserveIn, fundOut: entry.strategy === "sandwich" ? 0n : pool.reserveOut })),
          ],
          sellers: searcherAccounts,
          send,
        }),
      );
    }
    await this.#drain();
    if (this.#kind === "batch-auction") {
      // A batch auction in front of every pool: traders order through it, a keeper per pool clears it at the slot's end.
      for (const [index, market] of this.#markets.entries()) {
        const traders = [...new Set(this.#trades.filter((trade) => trade.pool === index).map((trade) => this.#traderAccount(trade)))];
        this.#auctionsByPool.push((await deployBatchAuction(market, { deployer: labAccount("settler", index), traders, send })).address);
      }
      await this.#drain();
    }
    for (const { hash, rollup } of setupHashes) {
      const status = devnet.sequencer.transactionStatus(hash);
      if (status?.status !== "included") throw new ScenarioSetupError({ rollup: rollup.name, reason: status?.reason ?? "a set-up transaction was not included" });
    }
    await devnet.sequencer.flush();
    this.#coinbase = (await devnet.rollups[0]!.publicClient.getBlock()).miner;
    this.#settingUp = false;
  }

  /** Batch-auction policy: each pool that received orders this slot is cleared by its keeper, last in the slot (the policy puts `clear()` last). */
  async #clearBatches(slot: number, slotStart: number, orders: readonly { sent: Sent }[]): Promise<void> {
    for (const [index, auction] of this.#auctionsByPool.entries()) {
      if (!orders.some(({ sent }) => sent.pool === index)) continue;
      const market = this.#markets[index]!;
      const signed = await this.#sign(market.rollup, labAccount("settler", index), { to: auction, data: encodeFunctionData({ abi: auctionAbi(), functionName: "clear" }), tip: SETUP_TIP, gas: CLEAR_GAS });
      await this.#submit(signed, slotStart + this.#scenario.slotMs - 1, { role: "sequencer", action: "clear", pool: index, slot });
    }
  }

  /**
   * What a trade received: the pool's Swap events in its receipt, or for a
   * batch-auction order its fill when the batch cleared (nothing if it was
   * refunded, with the reason).
   */
  async #tradeOutput(item: Sent, receipt: TransactionReceipt): Promise<{ amountOut: bigint; refunded?: string }> {
    const auction = item.pool === undefined ? undefined : this.#auctionsByPool[item.pool];
    if (item.action !== "order" || auction === undefined) return { amountOut: swapOutput(receipt, this.#markets[item.pool!]!) };
    const [submitted] = parseEventLogs({ abi: auctionAbi(), logs: receipt.logs, eventName: "OrderSubmitted" });
    const orderId = submitted!.args.orderId;
    const client = item.rollup.publicClient;
    const [filled] = await client.getContractEvents({ address: auction, abi: auctionAbi(), eventName: "OrderFilled", args: { orderId }, fromBlock: receipt.blockNumber });
    if (filled !== undefined) return { amountOut: filled.args.amountOut! };
    const [refunded] = await client.getContractEvents({ address: auction, abi: auctionAbi(), eventName: "OrderRefunded", args: { orderId }, fromBlock: receipt.blockNumber });
    return { amountOut: 0n, refunded: refunded === undefined ? "not cleared" : (REFUND_REASONS[Number(refunded.args.reason)] ?? "refunded") };
  }

  /** Produces slots until nothing is pending (set-up, and the payments after the last slot). */
  async #drain(): Promise<void> {
    const sequencer = this.#devnet.sequencer;
    while (sequencer.status().pendingTransactions > 0) {
      const produced = await sequencer.produceSlot({ endMs: Number.MAX_SAFE_INTEGER });
      if (produced === undefined) throw new ScenarioSetupError({ rollup: "the devnet", reason: "the sequencer produced no slot while transactions were pending" });
    }
  }

  #policyView(searcher: Searcher | undefined, sequencerSlot: number): PolicyView {
    const options = this.#policy.options;
    const delayMs = typeof options.delayMs === "number" ? options.delayMs : TIMEBOOST_DEFAULTS.delayMs;
    const lane = this.#expressLane;
    const expressLane = searcher !== undefined && lane !== undefined && lane.untilSlot > sequencerSlot && lane.controller.toLowerCase() === searcher.account.address.toLowerCase();
    return { kind: this.#kind, delayMs, expressLane };
  }

  async #submit(signed: Signed, receivedAt: number, what: SentWhat): Promise<Sent> {
    const sequencer = this.#devnet.sequencer;
    const sent = this.#record(signed, receivedAt, what, false);
    if (this.#kind === "encrypted") {
      const randomness = keccak256(toHex(`${this.#random.next()}`));
      const ciphertext = encryptTransaction(sequencer.committeeKey.publicKey, signed.raw, randomness);
      sent.id = await sequencer.submitEncrypted(ciphertext, { receivedAt });
      sent.encrypted = true;
    } else {
      await sequencer.submitRawTransaction(signed.rollup.chainId, signed.raw, { receivedAt });
    }
    this.#sent.push(sent);
    return sent;
  }

  async #submitBundle(legs: readonly Leg[], receivedAt: number): Promise<void> {
    await this.#devnet.sequencer.submitBundle(
      legs.map(({ signed }) => signed.raw),
      { receivedAt },
    );
    for (const { signed, what } of legs) this.#sent.push(this.#record(signed, receivedAt, what, true));
  }

  #record(signed: Signed, receivedAt: number, what: SentWhat, bundled: boolean): Sent {
    return {
      ...what,
      receivedAt,
      id: signed.hash,
      transactionHash: signed.hash,
      raw: signed.raw,
      from: signed.from,
      to: signed.to,
      rollup: signed.rollup,
      encrypted: false,
      bundled,
      attempt: this.#attempts(signed.hash),
    };
  }

  /** An included transaction's receipt, read once: the losses, the trace and the accounting all read them. */
  #receipt(rollup: DevnetChain, hash: Hex): Promise<TransactionReceipt> {
    const known = this.#receipts.get(hash);
    if (known !== undefined) return known;
    const receipt = rollup.publicClient.getTransactionReceipt({ hash });
    this.#receipts.set(hash, receipt);
    return receipt;
  }

  /** How many times the run already sent a transaction with this hash (counting this send). */
  #attempts(hash: Hex): number {
    const earlier = this.#sendCounts.get(hash) ?? 0;
    this.#sendCounts.set(hash, earlier + 1);
    return earlier;
  }

  /**
   * After a slot: what it included (at the slot's end, plus a view timeout
   * per failover) and dropped. A dropped transaction leaves its nonce
   * unused, so its sender signs the next one from the nonce the sequencer
   * expects, as a wallet would.
   */
  #settle(slot: number, failovers: number): void {
    const unsettled: Sent[] = [];
    for (const item of this.#sent.slice(this.#settledUpTo).concat(this.#unsettled)) {
      const status = this.#statusOf(item)?.status;
      if (status === "dropped") this.#nonces.delete(`${item.rollup.chainId}:${item.from}`);
      else if (status === "included") this.#inclusions.set(item.transactionHash, { slot, failovers });
      else unsettled.push(item);
    }
    this.#unsettled = unsettled;
    this.#settledUpTo = this.#sent.length;
  }

  /** The scenario's slots, then the books. */
  async #slots(step: (label: string) => void, started: number): Promise<PolicyResult> {
    const scenario = this.#scenario;
    const devnet = this.#devnet;
    const victimAddress = (victim: number) => victimAccount(devnet.accounts, victim).address;
    const holders = this.#holders();
    const tokens = this.#tokens();
    const startBlocks = await blockNumbers(devnet.rollups);
    const before = await readBalances(tokens, holders);
    const start = devnet.sequencer.status();
    const faultIds = new Map<ScenarioConfiguration["faults"][number], string>();
    const processing: number[] = [];
    let victimLoss = 0n;
    let victimsDropped = 0;
    let wouldHaveReceived = 0n;
    let slotsWithoutBatch = 0;
    let forcedInclusions = 0;
    let sandwichesAttempted = 0;
    let heldBack: { trade: PlannedTrade; index: number }[] = [];
    for (let slot = 0; slot < scenario.slots; slot++) {
      const slotStart = slot * scenario.slotMs;
      const sequencerSlot = devnet.sequencer.status().slot + 1;
      applyFaults(devnet, this.#configuration.faults, slot, faultIds, victimAddress);
      await this.#payOwed(slot, slotStart);
      await this.#timeboostRound(slotStart, sequencerSlot);
      const due = [...heldBack, ...this.#trades.map((trade, index) => ({ trade, index })).filter(({ trade }) => trade.slot === slot)];
      // A sequencer that is down refuses transactions: traders keep theirs and send them once it is back.
      const down = devnet.sequencer.status().state === "down";
      heldBack = down ? due : [];
      const startReserves = await Promise.all(this.#markets.map(readReserves));
      await this.#arbitrage(slot, slotStart, startReserves, sequencerSlot);
      // Victims and users sign against the reserves they see when they trade: the slot's start.
      const victimsSent: { index: number; minOut: bigint; sent: Sent }[] = [];
      for (const { trade, index } of down ? [] : due) {
        const market = this.#markets[trade.pool]!;
        const { reserveIn, reserveOut } = startReserves[trade.pool]!;
        const minOut = minOutFor(getAmountOut(trade.amountIn, reserveIn, reserveOut), BigInt(trade.slippageBps));
        const trader = this.#traderAccount(trade);
        const data =
          trade.depositOn === undefined
            ? encodeFunctionData({ abi: poolAbi(), functionName: "swap", args: [market.tokenIn, trade.amountIn, minOut, trader.address] })
            : encodeFunctionData({
                abi: appAbi(),
                functionName: "swapAndDeposit",
                args: [trade.amountIn, minOut, BigInt(devnet.rollups[trade.depositOn]!.chainId), ACTION_GAS],
              });
        const auction = this.#auctionsByPool[trade.pool];
        const order = auction === undefined ? undefined : encodeFunctionData({ abi: auctionAbi(), functionName: "submitOrder", args: [market.tokenIn, trade.amountIn, minOut] });
        const to = auction ?? (trade.depositOn === undefined ? market.pool : market.swapAndDeposit);
        const signed = await this.#sign(market.rollup, trader, { to, data: order ?? data, tip: trade.tipWei, gas: order === undefined ? TRADE_GAS : ORDER_GAS });
        const sent = await this.#submit(signed, slotStart + trade.offsetMs, {
          role: trade.trader.kind,
          action: order !== undefined ? "order" : trade.depositOn === undefined ? "swap" : "swap-and-deposit",
          trade: index,
          pool: trade.pool,
          slot,
          tokenIn: "IN",
          amountIn: trade.amountIn,
        });
        victimsSent.push({ index, minOut, sent });
      }
      sandwichesAttempted += await this.#attack(slot, sequencerSlot, startReserves, victimsSent);
      await this.#clearBatches(slot, slotStart, victimsSent);
      for (const item of this.#sent) {
        if (item.trade === undefined || item.role !== "victim" || item.action === "front-run" || item.action === "back-run") continue;
        if (this.#trades[item.trade]!.forceAfterSlots !== slot - item.slot || !this.#isPending(item)) continue;
        await forceInclude(devnet, item);
        forcedInclusions += 1;
      }
      const statusBefore = devnet.sequencer.status();
      const producing = performance.now();
      const produced = await devnet.sequencer.produceSlot({ endMs: slotStart + scenario.slotMs });
      processing.push(performance.now() - producing);
      await devnet.sequencer.flush();
      const statusAfter = devnet.sequencer.status();
      // A slot counts when transactions were waiting and nothing reached L1: an idle slot owes no batch.
      if (statusBefore.pendingTransactions > 0 && statusAfter.lastBatch?.number === statusBefore.lastBatch?.number) slotsWithoutBatch += 1;
      this.#slotTraces.push({
        slot,
        order: (produced?.included ?? []).map(({ transaction }) => transaction.hash),
        dropped: (produced?.dropped ?? []).map(({ transaction }) => transaction.hash),
      });
      // Lost bids first: their transactions were never accepted, and leave the record before the slot is settled.
      this.#collectAuctions(slot, statusBefore.slot + 1, statusAfter.slot);
      this.#settle(slot, statusAfter.failovers - statusBefore.failovers);
      const losses = await this.#slotVictimLoss(startReserves, slot);
      victimLoss += losses.loss;
      victimsDropped += losses.droppedByAttack;
      wouldHaveReceived += losses.wouldHaveReceived;
      step(`slot ${slot + 1}/${scenario.slots}`);
    }
    // Auctions won in the last slot are paid after it, so that the books close with every payment made.
    await this.#payOwed(scenario.slots, scenario.slots * scenario.slotMs);
    if (this.#sent.some((item) => item.action === "auction-payment" && item.slot === scenario.slots)) await this.#drain();
    await devnet.sequencer.flush();
    const end = devnet.sequencer.status();
    const endBlocks = await blockNumbers(devnet.rollups);
    const after = await readBalances(tokens, holders);
    const range: BlockRange = new Map(devnet.rollups.map((rollup) => [rollup.chainId, { from: startBlocks.get(rollup.chainId)!, to: endBlocks.get(rollup.chainId)! }]));
    const ledger = await Promise.all(tokens.map((token) => ledgerEntry(token, holders, before, after, range)));
    const trace = await this.#trace();
    const accounting = await this.#accounting(ledger, range);
    const latencies = trace.transactions
      .filter((item) => (item.role === "victim" || item.role === "user") && item.inclusionMs !== null)
      .map((item) => item.inclusionMs! - item.arrivalMs)
      .sort((a, b) => a - b);
    const at = (values: readonly number[], p: number) => Math.round((percentile(values, p) ?? 0) * 10) / 10;
    const windows = censorWindows(this.#configuration.faults, scenario.slots, victimAddress);
    const censored = this.#sent
      .filter((item) => {
        const lastPending = this.#inclusions.get(item.transactionHash)?.slot ?? scenario.slots - 1;
        return censoredBy(windows, { ...item, chainId: item.rollup.chainId, lastPending });
      })
      .map((item) => ({ sentSlot: item.slot, included: this.#inclusions.get(item.transactionHash) }));
    const droppedByReason: Record<string, number> = {};
    for (const item of trace.transactions) if (item.outcome === "dropped") droppedByReason[item.reasonCode ?? "unknown"] = (droppedByReason[item.reasonCode ?? "unknown"] ?? 0) + 1;
    const sortedProcessing = [...processing].sort((a, b) => a - b);
    return {
      configuration: this.#configuration.name,
      policy: this.#ordering.name,
      ...accounting,
      victimLoss: formatTokens(victimLoss),
      victimsDropped: { count: victimsDropped, wouldHaveReceived: formatTokens(wouldHaveReceived) },
      sandwichesAttempted,
      sandwichesSucceeded: succeededSandwiches(trace.transactions),
      arbitrages: arbitrageOutcomes(trace.transactions),
      dropped: trace.transactions.filter((item) => item.outcome === "dropped").length,
      droppedByReason,
      latencyMs: { p50: at(latencies, 50), p99: at(latencies, 99) },
      transactions: trace.transactions.filter((item) => item.outcome === "included").length,
      censored: censorship(censored, { slotMs: scenario.slotMs, viewTimeoutMs: this.#configuration.viewTimeoutMs }),
      forcedInclusions,
      slotsWithoutBatch,
      failovers: end.failovers - start.failovers,
      equivocationsProved: end.equivocationsProved - start.equivocationsProved,
      ledger,
      trace,
      timing: {
        wallMs: Math.round(performance.now() - started),
        slotProcessingMs: { p50: at(sortedProcessing, 50), p99: at(sortedProcessing, 99) },
      },
    };
  }

  /** Everyone whose balances the books follow. */
  #holders(): Holder[] {
    const devnet = this.#devnet;
    const holders: Holder[] = [];
    const victims = new Set(this.#trades.filter((trade) => trade.trader.kind === "victim").map((trade) => trade.trader.index % VICTIM_ACCOUNTS));
    for (const index of [...victims].sort((a, b) => a - b)) holders.push({ label: `victim account ${index}`, address: devnet.accounts[index]!.address });
    const users = [...new Set(this.#trades.filter((trade) => trade.trader.kind === "user").map((trade) => trade.trader.index))].sort((a, b) => a - b);
    for (const index of users) holders.push({ label: `user ${index}`, address: labAccount("user", index).address });
    for (const searcher of this.#searchers) holders.push({ label: `searcher ${searcher.index}`, address: searcher.account.address });
    for (const [index, market] of this.#markets.entries()) {
      holders.push({ label: `pool ${index}`, address: market.pool });
      holders.push({ label: `swap-and-deposit app ${index}`, address: market.swapAndDeposit });
      holders.push({ label: `vaults ${index}`, address: market.vaultAt });
      holders.push({ label: `deployer ${index}`, address: labAccount("deployer", index).address });
    }
    for (const [index, auction] of this.#auctionsByPool.entries()) {
      holders.push({ label: `batch auction ${index}`, address: auction });
      holders.push({ label: `batch keeper ${index}`, address: labAccount("settler", index).address });
    }
    for (const member of devnet.sequencer.status().members) holders.push({ label: `sequencer ${member.address}`, address: member.address });
    holders.push({ label: COINBASE_LABEL, address: this.#coinbase });
    return holders;
  }


  /** The tokens the books follow: each pool's in-token, each pool's out-token (on every rollup), each rollup's ETH. */
  #tokens(): LedgerToken[] {
    const devnet = this.#devnet;
    return [
      ...this.#markets.flatMap((market, index) => [
        { label: `IN (pool ${index})`, address: market.tokenIn, chains: [market.rollup] },
        { label: `OUT (pool ${index})`, address: market.tokenOut, chains: devnet.rollups },
      ]),
      ...devnet.rollups.map((rollup, index) => ({ label: `ETH (rollup ${index})`, address: undefined, chains: [rollup] })),
    ];
  }

  /**
   * The `arbitrage` searchers' move at the slot's start: the exact optimal
   * trade between their two pools on the slot's starting reserves, both legs
   * in one bundle when atomic, else as two transactions; each leg fails on
   * chain with the scenario's probability (its minimum output set out of
   * reach), which drops a bundle whole.
   */
  async #arbitrage(slot: number, slotStart: number, reserves: readonly { reserveIn: bigint; reserveOut: bigint }[], sequencerSlot: number): Promise<void> {
    for (const searcher of this.#searchers) {
      if (searcher.entry.strategy !== "arbitrage" || this.#kind === "batch-auction") continue;
      const [a, b] = searcher.entry.pools!;
      const placement = arbitragePlacement(this.#policyView(searcher, sequencerSlot), searcher.entry, slotStart, USER_TIP_WEI);
      const planned = await this.#arbitrageLegs(searcher, a, b, reserves, { slot, trade: undefined, failureProbability: searcher.entry.legFailureProbability, tip: placement.tip });
      if (planned === undefined) continue;
      const { legs } = planned;
      if (this.#kind === "sealed-bid" && searcher.entry.atomic) {
        // The top of the slot is for sale: the arbitrage bids for it rather than racing for it.
        await this.#bid(searcher, sequencerSlot, planned.found.profit, legs, undefined, placement.receivedAt);
        for (const leg of legs) this.#sent.push(this.#record(leg.signed, placement.receivedAt, leg.what, true));
      } else if (searcher.entry.atomic) await this.#submitBundle(legs, placement.receivedAt);
      else for (const leg of legs) await this.#submit(leg.signed, placement.receivedAt, leg.what);
    }
  }

  /**
   * The optimal arbitrage between pools `a` and `b` on `reserves` (traced as
   * planned), where it buys and sells, and its two legs signed with `tip`;
   * `undefined` when no trade pays. `trade`: the victim's trade a back-run follows.
   */
  async #arbitrageLegs(
    searcher: Searcher,
    a: number,
    b: number,
    reserves: readonly { reserveIn: bigint; reserveOut: bigint }[],
    { slot, trade, failureProbability, tip }: { slot: number; trade: number | undefined; failureProbability: number; tip: bigint },
  ): Promise<{ legs: Leg[]; found: NonNullable<ReturnType<typeof arbitrageBetween>>; cheap: number; dear: number } | undefined> {
    const found = arbitrageBetween(reserves[a]!, reserves[b]!);
    if (found === undefined) return undefined;
    const [cheap, dear] = found.buyOnFirst ? [a, b] : [b, a];
    const buy = this.#markets[cheap]!;
    const sell = this.#markets[dear]!;
    const arbitrage = this.#arbitragePlans.length;
    this.#arbitragePlans.push({
      id: arbitrage,
      searcher: searcher.index,
      slot,
      atomic: trade !== undefined || searcher.entry.atomic,
      cheapPool: cheap,
      dearPool: dear,
      amountIn: formatTokens(found.amountIn),
      amountMid: formatTokens(found.amountMid),
      amountOut: formatTokens(found.amountOut),
    });
    const action: TraceAction = trade === undefined ? "arbitrage-leg" : "backrun-leg";
    const role: TraceRole = searcher.entry.as;
    const fails = () => failureProbability > 0 && this.#random.next() < failureProbability;
    const buyLeg = await this.#sign(buy.rollup, searcher.account, {
      to: buy.pool,
      data: encodeFunctionData({ abi: poolAbi(), functionName: "swap", args: [buy.tokenIn, found.amountIn, fails() ? maxUint256 : 0n, searcher.account.address] }),
      tip,
    });
    const sellLeg = await this.#sign(sell.rollup, searcher.account, {
      to: sell.pool,
      data: encodeFunctionData({ abi: poolAbi(), functionName: "swap", args: [sell.tokenOut, found.amountMid, fails() ? maxUint256 : 0n, searcher.account.address] }),
      tip,
    });
    const common = { role, action, searcher: searcher.index, arbitrage, slot, ...(trade === undefined ? {} : { trade }) };
    const legs: Leg[] = [
      { signed: buyLeg, what: { ...common, pool: cheap, tokenIn: "IN", amountIn: found.amountIn } },
      { signed: sellLeg, what: { ...common, pool: dear, tokenIn: "OUT", amountIn: found.amountMid } },
    ];
    return { legs, found, cheap, dear };
  }

  /**
   * Sandwich and back-run searchers react to the slot's victims, in arrival
   * order, on the reserves they expect after the earlier ones; under an
   * auction policy they bid where the policy sells what they want.
   * Returns the sandwiches attempted.
   */
  async #attack(slot: number, sequencerSlot: number, startReserves: readonly { reserveIn: bigint; reserveOut: bigint }[], victimsSent: readonly { index: number; minOut: bigint; sent: Sent }[]): Promise<number> {
    let attempted = 0;
    for (const searcher of this.#searchers) {
      if (searcher.entry.strategy === "arbitrage") continue;
      const view = this.#policyView(searcher, sequencerSlot);
      const simulated = startReserves.map((reserves) => ({ ...reserves }));
      let bestBackrun: { value: bigint; legs: Leg[]; target: Sent } | undefined;
      for (const victim of victimsSent) {
        const trade = this.#trades[victim.index]!;
        const pool = simulated[trade.pool]!;
        if (searcher.entry.strategy === "backrun") {
          Object.assign(pool, afterSwap(pool, trade.amountIn));
          const bid = await this.#backrun(searcher, view, victim, simulated, slot);
          if (bid !== undefined && (bestBackrun === undefined || bid.value > bestBackrun.value)) bestBackrun = bid;
          continue;
        }
        const sandwich = optimalSandwich({ ...pool, victimAmountIn: trade.amountIn, victimMinOut: victim.minOut });
        const placement = sandwichPlacement(view, searcher.entry, victim.sent.receivedAt, trade.tipWei);
        if (sandwich === null || placement === undefined) {
          Object.assign(pool, afterSwap(pool, trade.amountIn));
          continue;
        }
        const market = this.#markets[trade.pool]!;
        const what = { role: searcher.entry.as, searcher: searcher.index, trade: victim.index, pool: trade.pool, slot } as const;
        const front = await this.#sign(market.rollup, searcher.account, { to: market.pool, data: swapData(market.tokenIn, sandwich.frontRunIn, searcher.account.address), tip: placement.front.tip });
        const back = await this.#sign(market.rollup, searcher.account, { to: market.pool, data: swapData(market.tokenOut, sandwich.frontRunOut, searcher.account.address), tip: placement.back.tip });
        const after = simulateSandwich({ ...pool, victimAmountIn: trade.amountIn, victimMinOut: victim.minOut, frontRunIn: sandwich.frontRunIn });
        Object.assign(pool, { reserveIn: after.reserveIn, reserveOut: after.reserveOut });
        attempted += 1;
        await this.#submit(front, placement.front.receivedAt, { ...what, action: "front-run", tokenIn: "IN", amountIn: sandwich.frontRunIn });
        await this.#submit(back, placement.back.receivedAt, { ...what, action: "back-run", tokenIn: "OUT", amountIn: sandwich.frontRunOut });
      }
      if (bestBackrun !== undefined) {
        // One bid with transactions per slot: a lost bid leaves its nonces unused, so the next bid can reuse them.
        await this.#bid(searcher, sequencerSlot, bestBackrun.value, bestBackrun.legs, bestBackrun.target.transactionHash, bestBackrun.target.receivedAt);
        for (const leg of bestBackrun.legs) this.#sent.push(this.#record(leg.signed, bestBackrun.target.receivedAt, leg.what, true));
      }
    }
    return attempted;
  }

  /** A back-run of one victim: the arbitrage its trade opened between the searcher's two pools, placed (or bid for) right after it. */
  async #backrun(
    searcher: Searcher,
    view: PolicyView,
    victim: { index: number; sent: Sent },
    reserves: { reserveIn: bigint; reserveOut: bigint }[],
    slot: number,
  ): Promise<{ value: bigint; legs: Leg[]; target: Sent } | undefined> {
    const trade = this.#trades[victim.index]!;
    const [a, b] = searcher.entry.pools!;
    if (trade.pool !== a && trade.pool !== b) return;
    const placement = backrunPlacement(view, searcher.entry, victim.sent.receivedAt, trade.tipWei);
    if (placement === undefined) return;
    const planned = await this.#arbitrageLegs(searcher, a, b, reserves, { slot, trade: victim.index, failureProbability: 0, tip: placement.tip });
    if (planned === undefined) return;
    const { legs, found, cheap, dear } = planned;
    Object.assign(reserves[cheap]!, afterSwap(reserves[cheap]!, found.amountIn));
    const sold = reserves[dear]!;
    Object.assign(sold, { reserveOut: sold.reserveOut + found.amountMid, reserveIn: sold.reserveIn - getAmountOut(found.amountMid, sold.reserveOut, sold.reserveIn) });
    if (this.#kind === "order-flow-auction") {
      // Each back-run is signed from the searcher's next nonce as if it alone were sent: only the best one is bid.
      this.#forgetNonces(searcher);
      return { value: found.profit, legs, target: victim.sent };
    }
    await this.#submitBundle(legs, placement.receivedAt);
    return undefined;
  }

  /** Forgets the nonces the run counted for a searcher, to read them from the chain again (after a bid that may lose). */
  #forgetNonces(searcher: Searcher): void {
    for (const rollup of this.#devnet.rollups) this.#nonces.delete(`${rollup.chainId}:${searcher.account.address}`);
  }

  /**
   * Under Timeboost, at a round's first slot, every searcher bids for the
   * express lane: its bid share of the in-tokens it made in the last round.
   * The auction closes before the round: the searchers learn the winner
   * before they act, as the lab evaluates the policy's own (pure) auction on
   * the bids it placed, which the sequencer runs again as the slot starts.
   */
  async #timeboostRound(slotStart: number, sequencerSlot: number): Promise<void> {
    const auction = this.#ordering.auction;
    if (this.#kind !== "timeboost" || auction === undefined) return;
    const roundSlots = typeof this.#policy.options.roundSlots === "number" ? this.#policy.options.roundSlots : TIMEBOOST_DEFAULTS.roundSlots;
    // A slot with nothing to order is not produced, so the next scenario slot may be the same sequencer slot, whose auction ran already.
    if (timeboostRound(sequencerSlot, roundSlots).fromSlot !== sequencerSlot || this.#roundBidFor === sequencerSlot) return;
    this.#roundBidFor = sequencerSlot;
    const bids: Bid[] = [];
    for (const searcher of this.#searchers) {
      const held = await this.#inTokensHeld(searcher);
      const made = searcher.roundStart === undefined ? 0n : held - searcher.roundStart;
      searcher.roundStart = held;
      const amountWei = ((made > 0n ? made : 0n) * BigInt(searcher.entry.bidShareBps)) / 10_000n;
      const id = await this.#devnet.sequencer.submitBid({ bidder: searcher.account.address, amountWei, slot: sequencerSlot }, { receivedAt: slotStart });
      bids.push({ id, bidder: searcher.account.address, amountWei, slot: sequencerSlot, transactions: [], receivedAt: slotStart });
    }
    const [outcome] = auction(bids, { slot: sequencerSlot, seed: zeroHash, pending: [] });
    this.#expressLane = outcome === undefined ? undefined : { controller: outcome.winner, untilSlot: outcome.untilSlot };
  }

  /** A searcher's in-tokens over every pool, to see what it made in a round. */
  async #inTokensHeld(searcher: Searcher): Promise<bigint> {
    const held = await Promise.all(
      this.#markets.map((market) =>
        market.rollup.publicClient.readContract({ address: market.tokenIn, abi: tokenAbi(), functionName: "balanceOf", args: [searcher.account.address] }),
      ),
    );
    return held.reduce((sum, value) => sum + value, 0n);
  }

  /**
   * Places a sealed bid of the searcher's bid share of `value` (in-tokens,
   * bid one for one in ETH wei: the lab prices the in-token at one ETH).
   */
  async #bid(searcher: Searcher, sequencerSlot: number, value: bigint, transactions: readonly Leg[], target: Hex | undefined, receivedAt: number): Promise<void> {
    const amountWei = (value * BigInt(searcher.entry.bidShareBps)) / 10_000n;
    const id = await this.#devnet.sequencer.submitBid(
      {
        bidder: searcher.account.address,
        amountWei,
        slot: sequencerSlot,
        transactions: transactions.map((leg) => leg.signed.raw),
        ...(target === undefined ? {} : { target }),
      },
      // On the scenario clock: ties between bids go to the earliest, so wall-clock time would make runs differ.
      { receivedAt: receivedAt },
    );
    this.#bids.push({ id, searcher, slot: sequencerSlot, hashes: transactions.map((leg) => leg.signed.hash) });
    // A bid's transactions run only if it wins; until the searcher knows, its next transaction must not count on their nonces.
    if (transactions.length > 0) this.#forgetNonces(searcher);
  }

  /** Auctions resolved in the sequencer slots just produced: traced, and owed by their winners. */
  #collectAuctions(slot: number, firstSequencerSlot: number, lastSequencerSlot: number): void {
    for (const bid of this.#bids) {
      if (bid.hashes.length === 0 || this.#devnet.sequencer.bidStatus(bid.id)?.status !== "lost") continue;
      const lost = new Set<Hex>(bid.hashes);
      for (let index = this.#sent.length - 1; index >= 0; index--) if (lost.has(this.#sent[index]!.transactionHash)) this.#sent.splice(index, 1);
      for (const hash of lost) this.#sendCounts.set(hash, (this.#sendCounts.get(hash) ?? 1) - 1);
      bid.hashes = [];
    }
    for (let sequencerSlot = firstSequencerSlot; sequencerSlot <= lastSequencerSlot; sequencerSlot++) {
      for (const outcome of this.#devnet.sequencer.auctionOutcomes(sequencerSlot) ?? []) {
        if (outcome.fromSlot !== sequencerSlot) continue;
        this.#auctions.push({ slot, kind: outcome.kind, winner: outcome.winner, pays: formatTokens(outcome.paysWei), refund: formatTokens(outcome.refundWei), bidders: outcome.bidders });
        const searcher = this.#searchers.find((entry) => entry.account.address.toLowerCase() === outcome.winner.toLowerCase());
        if (searcher === undefined) continue;
        const rollup = this.#devnet.rollups[0]!;
        if (outcome.paysWei > outcome.refundWei) this.#owed.push({ searcher, to: this.#coinbase, amountWei: outcome.paysWei - outcome.refundWei, refund: false, rollup });
        if (outcome.refundWei > 0n && outcome.target !== undefined) {
          const target = this.#sent.find((item) => item.transactionHash === outcome.target);
          if (target !== undefined) this.#owed.push({ searcher, to: target.from, amountWei: outcome.refundWei, refund: true, rollup: target.rollup });
        }
      }
    }
  }

  /** Winners pay what their auctions say, as ETH transfers at the start of the next slot. */
  async #payOwed(slot: number, slotStart: number): Promise<void> {
    const owed = this.#owed;
    this.#owed = [];
    for (const payment of owed) {
      const signed = await this.#sign(payment.rollup, payment.searcher.account, { to: payment.to, value: payment.amountWei, tip: SETUP_TIP, gas: TRANSFER_GAS });
      await this.#submit(signed, slotStart, { role: payment.searcher.entry.as, action: "auction-payment", searcher: payment.searcher.index, slot, amountIn: payment.amountWei });
    }
  }

  #isPending(item: Sent): boolean {
    const status = this.#statusOf(item)?.status;
    return status !== "included" && status !== "dropped";
  }

  /** A sent transaction's status, through its ciphertext for an encrypted one. */
  #statusOf(item: Sent): { status: string; hash: Hex; globalSeq: number | null; reason?: string; reasonCode?: string } | undefined {
    const sequencer = this.#devnet.sequencer;
    if (!item.encrypted) {
      const status = sequencer.transactionStatus(item.transactionHash);
      if (status === null) return undefined;
      // The status is the latest attempt's; an earlier send of the same bytes ended as its `attempts` entry says.
      const earlier = status.attempts?.[item.attempt];
      if (earlier !== undefined) return { status: earlier.status, hash: item.transactionHash, globalSeq: null, reason: earlier.reason, reasonCode: earlier.reasonCode };
      return { status: status.status, hash: item.transactionHash, globalSeq: status.globalSeq, reason: status.reason, reasonCode: status.reasonCode };
    }
    const encrypted = sequencer.encryptedStatus(item.id);
    if (encrypted === null) return undefined;
    const inner = encrypted.transactionHash ? sequencer.transactionStatus(encrypted.transactionHash) : null;
    return {
      status: encrypted.status,
      hash: encrypted.transactionHash ?? item.id,
      globalSeq: encrypted.transaction?.globalSeq ?? null,
      reason: inner?.reason ?? encrypted.reason,
      reasonCode: inner?.reasonCode ?? encrypted.reasonCode,
    };
  }

  /** Every transaction the run sent, with its fate and, for swaps, what it paid and got, on the scenario clock. */
  async #trace(): Promise<PolicyTrace> {
    const scenario = this.#scenario;
    const transactions: TraceTransaction[] = [];
    // The transaction of each victim's or user's trade, which searchers' transactions target.
    const tradeHashes = new Map(this.#sent.filter((item) => item.role === "victim" || item.role === "user").map((item) => [item.trade, item.transactionHash]));
    for (const item of this.#sent) {
      const searcherSent = item.searcher !== undefined;
      const target = searcherSent && item.trade !== undefined ? tradeHashes.get(item.trade) : undefined;
      const status = this.#statusOf(item);
      const outcome = status?.status === "included" ? "included" : status?.status === "dropped" ? "dropped" : "pending";
      const inclusion = outcome === "included" ? this.#inclusions.get(item.transactionHash) : undefined;
      let output: { amountOut: bigint; refunded?: string } | undefined;
      if (outcome === "included" && item.pool !== undefined && item.action !== "clear") {
        output = await this.#tradeOutput(item, await this.#receipt(item.rollup, item.transactionHash));
      }
      transactions.push({
        hash: item.transactionHash,
        role: item.role,
        action: item.action,
        rollup: this.#devnet.rollups.indexOf(item.rollup),
        ...(item.pool === undefined ? {} : { pool: item.pool }),
        ...(item.trade !== undefined && this.#trades[item.trade]!.trader.kind === "victim" ? { victim: this.#trades[item.trade]!.trader.index } : {}),
        ...(searcherSent ? { searcher: item.searcher } : {}),
        ...(target === undefined ? {} : { target }),
        sentSlot: item.slot,
        arrivalMs: item.receivedAt,
        outcome,
        globalSeq: outcome === "included" ? status!.globalSeq : null,
        includedSlot: inclusion?.slot ?? null,
        inclusionMs: inclusion === undefined ? null : (inclusion.slot + 1) * scenario.slotMs + inclusion.failovers * this.#configuration.viewTimeoutMs,
        ...(outcome === "dropped" ? { reasonCode: status?.reasonCode ?? "unknown", reason: status?.reason ?? "" } : {}),
        ...(item.tokenIn === undefined ? {} : { tokenIn: item.tokenIn }),
        ...(item.amountIn === undefined ? {} : { amountIn: formatTokens(item.amountIn) }),
        ...(output === undefined ? {} : { amountOut: formatTokens(output.amountOut) }),
        ...(output?.refunded === undefined ? {} : { refunded: output.refunded }),
        ...(item.bundled ? { bundled: true } : {}),
        ...(item.arbitrage === undefined ? {} : { arbitrage: item.arbitrage }),
      });
    }
    return { slots: this.#slotTraces, transactions, arbitrages: this.#arbitragePlans, auctions: this.#auctions };
  }

  /**
   * The money: searchers' realised profit and inventory from the books,
   * their gas and auction payments, the sequencer's revenue and the pools'
   * fees.
   */
  async #accounting(ledger: readonly LedgerEntry[], range: BlockRange) {
    const finalReserves = await Promise.all(this.#markets.map(readReserves));
    const bySearcher: SearcherResult[] = [];
    for (const searcher of this.#searchers) {
      const { realised, inventory, inventoryValue } = holdings(ledger, `searcher ${searcher.index}`, finalReserves);
      let gas = 0n;
      let paid = 0n;
      for (const item of this.#sent) {
        if (item.searcher !== searcher.index || item.role === "victim" || item.role === "user") continue;
        const status = this.#statusOf(item);
        if (status?.status !== "included") continue;
        const receipt = await this.#receipt(item.rollup, status.hash);
        gas += receipt.gasUsed * receipt.effectiveGasPrice;
        if (item.action === "auction-payment") paid += item.amountIn!;
      }
      bySearcher.push({ searcher: searcher.index, strategy: searcher.entry.strategy, as: searcher.entry.as, realised, inventory, inventoryValue, gas, paid });
    }
    const total = (field: "realised" | "inventory" | "inventoryValue" | "gas" | "paid") => bySearcher.reduce((sum, entry) => sum + entry[field], 0n);
    const paid = total("paid");
    const refunds = this.#sent
      .filter((item) => item.action === "auction-payment" && item.to.toLowerCase() !== this.#coinbase.toLowerCase() && this.#statusOf(item)?.status === "included")
      .reduce((sum, item) => sum + item.amountIn!, 0n);
    const revenue = sequencerRevenue(ledger, paid - refunds);
    let lpIn = 0n;
    let lpOut = 0n;
    for (const market of this.#markets) {
      const { from, to } = range.get(market.rollup.chainId)!;
      if (to <= from) continue;
      const logs = await market.rollup.publicClient.getContractEvents({ address: market.pool, abi: poolAbi(), eventName: "Swap", fromBlock: from + 1n, toBlock: to });
      for (const log of logs) {
        // Uniswap v2 keeps 0.3% of the input in the pool for its liquidity providers.
        const fee = (log.args.amountIn! * UNISWAP_V2_FEE_BPS) / 10_000n;
        if (log.args.tokenIn!.toLowerCase() === market.tokenIn.toLowerCase()) lpIn += fee;
        else lpOut += fee;
      }
    }
    return {
      searcherProfit: formatTokens(total("realised")),
      searcherInventory: { amount: formatTokens(total("inventory")), valueAtFinalPrice: formatTokens(total("inventoryValue")) },
      searcherGasCost: formatTokens(total("gas")),
      searcherAuctionPayments: formatTokens(paid),
      searchers: bySearcher.map((entry) => ({
        searcher: entry.searcher,
        strategy: entry.strategy,
        as: entry.as,
        ...(entry.strategy === "arbitrage" ? { atomic: this.#searchers[entry.searcher]!.entry.atomic } : {}),
        profit: formatTokens(entry.realised),
        inventory: { amount: formatTokens(entry.inventory), valueAtFinalPrice: formatTokens(entry.inventoryValue) },
        gasCost: formatTokens(entry.gas),
        auctionPayments: formatTokens(entry.paid),
      })),
      sequencerRevenue: {
        fees: formatTokens(revenue.fees),
        tips: formatTokens(revenue.tips),
        auctions: formatTokens(revenue.auctions),
        total: formatTokens(revenue.total),
      },
      userRefunds: formatTokens(refunds),
      lpFees: { inToken: formatTokens(lpIn), outToken: formatTokens(lpOut) },
    };
  }

  /**
   * The slot's victims and users: what the included ones received less than
   * they would have without the searchers (their swaps replayed, in the
   * order they ran, on the slot's starting reserves without the searchers'),
   * and those dropped for slippage in a slot where a searcher traded on
   * their pool first, with what they would have received alone at the
   * slot's start.
   */
  async #slotVictimLoss(startReserves: readonly { reserveIn: bigint; reserveOut: bigint }[], slot: number) {
    const mine = this.#sent.filter((item) => item.slot === slot && (item.role === "victim" || item.role === "user") && item.action !== "auction-payment");
    const withStatus = mine.map((item) => ({ item, status: this.#statusOf(item) }));
    const included = withStatus.filter(({ status }) => status?.status === "included" && status.globalSeq !== null).sort((a, b) => a.status!.globalSeq! - b.status!.globalSeq!);
    const pools = startReserves.map((reserves) => ({ ...reserves }));
    let loss = 0n;
    for (const { item, status } of included) {
      const trade = this.#trades[item.trade!]!;
      const receipt = await this.#receipt(item.rollup, status!.hash);
      const pool = pools[trade.pool]!;
      const unattacked = getAmountOut(trade.amountIn, pool.reserveIn, pool.reserveOut);
      Object.assign(pool, afterSwap(pool, trade.amountIn));
      loss += unattacked - (await this.#tradeOutput(item, receipt)).amountOut;
    }
    const attackedPools = new Set(
      this.#sent
        .filter((item) => item.slot === slot && (item.role === "searcher" || item.role === "sequencer") && item.pool !== undefined && this.#statusOf(item)?.status === "included")
        .map((item) => item.pool!),
    );
    let droppedByAttack = 0;
    let wouldHaveReceived = 0n;
    for (const { item, status } of withStatus) {
      if (status?.status !== "dropped" || status.reasonCode !== "reverted" || !attackedPools.has(item.pool!)) continue;
      const trade = this.#trades[item.trade!]!;
      const { reserveIn, reserveOut } = startReserves[trade.pool]!;
      droppedByAttack += 1;
      wouldHaveReceived += getAmountOut(trade.amountIn, reserveIn, reserveOut);
    }
    return { loss, droppedByAttack, wouldHaveReceived };
  }
}

/** The optimal arbitrage between two pools' reserves, in whichever direction pays; `buyOnFirst` says where the out-token is bought. */
function arbitrageBetween(first: ArbitragePool, second: ArbitragePool) {
  const pools = [first, second] as const;
  const direction = arbitrageDirection(pools);
  const trade = direction === null ? null : optimalArbitrage({ cheap: pools[direction.cheap], dear: pools[direction.dear] });
  return trade === null ? undefined : { ...trade, buyOnFirst: direction!.cheap === 0 };
}

/** Calls a Hardhat cheat method on a rollup (viem's provider type lists only standard methods). */
function cheat(rollup: DevnetChain, method: string, params: readonly unknown[]): Promise<unknown> {
  const request = rollup.provider.request as (arguments_: { method: string; params: readonly unknown[] }) => Promise<unknown>;
  return request({ method, params });
}

// The ABIs are read when a run needs them, never when this module loads: the
// CLI loads it before the contracts may have been compiled.
const poolAbi = () => artifact("ConstantProductPool").abi;
const appAbi = () => artifact("SwapAndDeposit").abi;
const tokenAbi = () => artifact("DemoToken").abi;
const auctionAbi = () => artifact("BatchAuction").abi;

function swapData(tokenIn: Address, amountIn: bigint, to: Address): Hex {
  return encodeFunctionData({ abi: poolAbi(), functionName: "swap", args: [tokenIn, amountIn, 0n, to] });
}

function afterSwap(pool: { reserveIn: bigint; reserveOut: bigint }, amountIn: bigint) {
  return { reserveIn: pool.reserveIn + amountIn, reserveOut: pool.reserveOut - getAmountOut(amountIn, pool.reserveIn, pool.reserveOut) };
}

/** Thrown when L1 refuses a victim's `SharedInbox.forceInclude`. */
export class ForcedInclusionFailedError extends XrollupError {
  override name = "ForcedInclusionFailedError";
  constructor({ transactionHash, l1TxHash }: { transactionHash: Hex; l1TxHash: Hex }) {
    super(`L1 reverted the forced inclusion of transaction ${transactionHash}.`, { details: [`L1 transaction: ${l1TxHash}`] });
  }
}

/** The victim sends its signed transaction again, to L1's forced-inclusion queue, from its own (L1-funded) development account. */
async function forceInclude(devnet: Devnet, item: Sent): Promise<void> {
  const l1TxHash = await devnet.l1.walletClient.writeContract({
    address: devnet.l1.contracts.SharedInbox!,
    abi: sharedInboxArtifact().abi,
    functionName: "forceInclude",
    args: [BigInt(item.rollup.chainId), item.raw],
    account: item.from,
    chain: devnet.l1.chain,
  });
  const receipt = await devnet.l1.publicClient.getTransactionReceipt({ hash: l1TxHash });
  if (receipt.status !== "success") throw new ForcedInclusionFailedError({ transactionHash: item.transactionHash, l1TxHash });
}

/** What a swap paid out on a pool: the Swap events of the market's pool in the receipt. */
function swapOutput(receipt: TransactionReceipt, market: Market): bigint {
  const swaps = parseEventLogs({ abi: poolAbi(), logs: receipt.logs, eventName: "Swap" }).filter((log) => log.address.toLowerCase() === market.pool.toLowerCase());
  return swaps.reduce((sum, log) => sum + log.args.amountOut, 0n);
}
