import {
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  maxUint256,
  parseEventLogs,
  toHex,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { artifact, sharedInboxArtifact } from "../../contracts/artifacts.ts";
import { type Devnet, type DevnetChain, startDevnet } from "../../devnet/devnet.ts";
import { XrollupError } from "../../errors/base.ts";
import type { DevAccount } from "../../rollups/accounts.ts";
import { encryptTransaction } from "../../sequencer/encryption/threshold.ts";
import type { ParsedFault } from "../../sequencer/faults.ts";
import { getAmountOut, minOutFor, optimalSandwich, simulateSandwich, UNISWAP_V2_FEE_BPS } from "../amm.ts";
import { createRandom, type Random } from "../random.ts";
import type { CensorshipResult, PolicyResult, ScenarioResult } from "../report/types.ts";
import { formatTokens } from "../tokens.ts";
import { deployMarket, type Market, readReserves } from "../../demo/market.ts";
import type { PolicyName, Scenario, ScenarioConfiguration, ScenarioFault, ScenarioSearcher } from "./schema.ts";

/** Gas every scenario transaction may use (swaps, and swap-and-deposit triggers with their action). */
const TRADE_GAS = 1_000_000n;
/** Gas the action of a swap-and-deposit gets on its destination. */
const ACTION_GAS = 400_000n;
/** What every trader offers above the base fee, on top of its tip. */
const FEE_HEADROOM = 10_000_000_000n;
/** Development accounts that trade as users and victims; the rest search and deploy. */
const TRADER_ACCOUNTS = 15;
/** The public searcher's account and the sequencer-attacker's. */
const SEARCHER_ACCOUNTS = { searcher: 15, sequencer: 16 } as const;
/** Deployers count down from the last account, one per pool. */
const FIRST_DEPLOYER = 19;
const MAX_POOLS = FIRST_DEPLOYER - SEARCHER_ACCOUNTS.sequencer;

/** Thrown for a scenario the simulator cannot run as written. */
export class UnsupportedScenarioError extends XrollupError {
  override name = "UnsupportedScenarioError";
  constructor({ field, reason }: { field: string; reason: string }) {
    super(`Cannot run this scenario: ${field}: ${reason}.`);
  }
}

/** A trade a victim (scripted or a random user) makes: the same in every policy's run. */
interface PlannedTrade {
  slot: number;
  /** Offset in the slot, in ms. */
  offsetMs: number;
  trader: number;
  pool: number;
  amountIn: bigint;
  slippageBps: number;
  depositOn: number | undefined;
  tipWei: bigint;
  /** Scripted victims only: slots after which a pending swap goes to L1's forced-inclusion queue. */
  forceAfterSlots: number | undefined;
}

/** Progress of a run: `done` of `total` steps, with what is running. */
export type ScenarioProgress = (done: number, total: number, label: string) => void;

/**
 * Runs a scenario on a real in-process devnet, once per configuration and
 * policy, with the same trades each time (drawn from the scenario's seed),
 * and measures what the searchers took and, under faults, how long censored
 * transactions waited. Deterministic for a given seed.
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
    const run = scenario.configurations.length === 1 ? policy : `${configuration.name} · ${policy}`;
    onProgress(done, total, `${run}: deploying`);
    policies.push(
      await runPolicy(scenario, configuration, policy, trades, (label) => {
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
    configurations: scenario.configurations.map(({ name, sequencers, faults, viewTimeoutMs }) => ({ name, sequencers, faults: faults.length, viewTimeoutMs })),
    policies,
    generatedAt: new Date().toISOString(),
  };
}

function checkSupported(scenario: Scenario): void {
  if (scenario.pools.length > MAX_POOLS) {
    throw new UnsupportedScenarioError({ field: "pools", reason: `at most ${MAX_POOLS} pools (one deployer account each)` });
  }
  for (const [index, pool] of scenario.pools.entries()) {
    if (BigInt(pool.feeBps) !== UNISWAP_V2_FEE_BPS) {
      throw new UnsupportedScenarioError({ field: `pools[${index}].feeBps`, reason: "the on-chain pool charges Uniswap v2's 30 bps" });
    }
  }
  if (scenario.searchers.length > 2 || new Set(scenario.searchers.map((searcher) => searcher.as)).size < scenario.searchers.length) {
    throw new UnsupportedScenarioError({ field: "searchers", reason: "at most one public searcher and one sequencer attacker" });
  }
}

/** The trades of every slot: the scripted victims and the random users, drawn once from the seed. */
function planTrades(scenario: Scenario): PlannedTrade[] {
  const random = createRandom(scenario.seed);
  const trades: PlannedTrade[] = scenario.victims.map((victim, index) => ({
    slot: victim.slot,
    offsetMs: random.int(scenario.slotMs),
    trader: victimTrader(index),
    pool: victim.pool,
    amountIn: victim.amountIn,
    slippageBps: victim.slippageBps,
    depositOn: victim.depositOn,
    tipWei: victim.tipWei,
    forceAfterSlots: victim.forceAfterSlots,
  }));
  const { users } = scenario;
  if (users !== undefined) {
    for (let slot = 0; slot < scenario.slots; slot++) {
      for (let arrivals = random.poisson(users.arrivalPerSlot); arrivals > 0; arrivals--) {
        const pool = random.int(scenario.pools.length);
        const poolRollup = scenario.pools[pool]!.rollup;
        const others = Array.from({ length: scenario.rollups }, (_, index) => index).filter((index) => index !== poolRollup);
        trades.push({
          slot,
          offsetMs: random.int(scenario.slotMs),
          trader: (scenario.victims.length + random.int(users.count)) % TRADER_ACCOUNTS,
          pool,
          amountIn: tradeSize(users.tradeSize, random),
          slippageBps: users.slippageBps,
          depositOn: users.depositOn === "random" ? others[random.int(others.length)] : users.depositOn,
          tipWei: 1_000_000_000n,
          forceAfterSlots: undefined,
        });
      }
    }
  }
  return trades.sort((a, b) => a.slot - b.slot || a.offsetMs - b.offsetMs);
}

/** The development account scripted victim `index` trades from (a `"victim:N"` fault names it). */
function victimTrader(index: number): number {
  return index % TRADER_ACCOUNTS;
}

function tradeSize(size: NonNullable<Scenario["users"]>["tradeSize"], random: Random): bigint {
  switch (size.distribution) {
    case "fixed":
      return size.amount;
    case "uniform":
      return size.min + (BigInt(Math.floor(random.next() * 2 ** 52)) * (size.max - size.min)) / 2n ** 52n;
    case "lognormal": {
      const factor = random.lognormal(1, size.sigma);
      return (size.median * BigInt(Math.max(1, Math.round(factor * 1e6)))) / 1_000_000n;
    }
  }
}

/** A transaction the run sent, and what it was for. */
interface Sent {
  role: "victim" | "front" | "back";
  /** Which trade it is for (victims) or sandwiches (searchers). */
  trade: number;
  searcher?: ScenarioSearcher;
  /** The scenario slot it was sent in. */
  slot: number;
  receivedAt: number;
  /** The transaction hash, or for an encrypted one the ciphertext id until it is decrypted. */
  id: Hex;
  /** The signed transaction's hash, whichever way it was sent (encrypted, or forced through L1). */
  transactionHash: Hex;
  /** The signed transaction, as a forced inclusion sends it again. */
  raw: Hex;
  from: Address;
  to: Address;
  encrypted: boolean;
  rollup: DevnetChain;
}

/** A scripted trade of the slot, or one a whole-sequencer crash held back. */
type DueTrade = { trade: PlannedTrade; index: number };

async function runPolicy(
  scenario: Scenario,
  configuration: ScenarioConfiguration,
  policy: PolicyName,
  trades: readonly PlannedTrade[],
  step: (label: string) => void,
): Promise<PolicyResult> {
  const devnet = await startDevnet(
    {
      rollups: scenario.rollups,
      policy,
      manual: true,
      seed: scenario.seed,
      committee: scenario.committee,
      sequencers: configuration.sequencers,
      viewTimeoutMs: configuration.viewTimeoutMs,
    },
    { onError: () => undefined },
  );
  try {
    const random = createRandom(keccak256(toHex(`${String(scenario.seed)}/${policy}`)));
    const accounts = devnet.accounts;
    const searcherAccounts = scenario.searchers.map((searcher) => accounts[SEARCHER_ACCOUNTS[searcher.as]]!);
    const nonces = new Map<string, number>();
    const nextNonce = async (rollup: DevnetChain, account: DevAccount) => {
      const key = `${rollup.chainId}:${account.address}`;
      const nonce = nonces.get(key) ?? (await rollup.publicClient.getTransactionCount({ address: account.address }));
      nonces.set(key, nonce + 1);
      return nonce;
    };
    const sign = async (rollup: DevnetChain, account: DevAccount, to: Address | undefined, data: Hex, tip: bigint) =>
      privateKeyToAccount(account.privateKey).signTransaction({
        type: "eip1559",
        chainId: rollup.chainId,
        nonce: await nextNonce(rollup, account),
        to,
        data,
        gas: TRADE_GAS,
        maxPriorityFeePerGas: tip,
        maxFeePerGas: tip + FEE_HEADROOM,
      });
    const setupSend = async (rollup: DevnetChain, account: DevAccount, request: { to?: Address; data: Hex }) => {
      const raw = await sign(rollup, account, request.to, request.data, 1n);
      const hash = await devnet.sequencer.submitRawTransaction(rollup.chainId, raw);
      await devnet.sequencer.produceSlot();
      const status = devnet.sequencer.transactionStatus(hash);
      if (status?.status !== "included") throw new XrollupError(`Scenario set-up failed on ${rollup.name}: ${status?.reason ?? "not included"}`);
    };
    const traders = accounts.slice(0, TRADER_ACCOUNTS).map((account) => ({
      account,
      fundIn: trades.filter((trade) => trade.trader === accounts.indexOf(account)).reduce((sum, trade) => sum + trade.amountIn, 0n),
    }));
    const markets: Market[] = [];
    for (const [index, pool] of scenario.pools.entries()) {
      markets.push(
        await deployMarket(devnet, {
          deployer: accounts[FIRST_DEPLOYER - index]!,
          poolRollup: pool.rollup,
          reserveIn: pool.reserveIn,
          reserveOut: pool.reserveOut,
          tokens: { in: ["Scenario in-token", "IN"], out: ["Scenario out-token", "OUT"] },
          vaultCap: maxUint256,
          traders: [
            ...traders.filter(({ account, fundIn }) => fundIn > 0n && trades.some((t) => t.pool === index && accounts[t.trader] === account)),
            ...searcherAccounts.map((account) => ({ account, fundIn: pool.reserveIn })),
          ],
          sellers: searcherAccounts,
          send: setupSend,
        }),
      );
    }
    step("deployed");
    const searcherBalances = () =>
      Promise.all(markets.flatMap((market) => searcherAccounts.map((account) => balances(market, account.address).then((held) => ({ market, held })))));
    const searcherStart = await searcherBalances();
    const victimAddress = (victim: number) => accounts[victimTrader(victim)]!.address;
    // The set-up's batches go to L1 first, so that every scenario slot is measured alone.
    await devnet.sequencer.flush();
    const start = devnet.sequencer.status();
    const faultIds = new Map<ScenarioFault, string>();
    const inclusions = new Map<Hex, Inclusion>();
    const sent: Sent[] = [];
    const latencies: number[] = [];
    let attempted = 0;
    let victimLoss = 0n;
    let slotsWithoutBatch = 0;
    let forcedInclusions = 0;
    let heldBack: DueTrade[] = [];
    for (let slot = 0; slot < scenario.slots; slot++) {
      const slotStart = slot * scenario.slotMs;
      applyFaults(devnet, configuration.faults, slot, faultIds, victimAddress);
      const due = [...heldBack, ...trades.map((trade, index) => ({ trade, index })).filter(({ trade }) => trade.slot === slot)];
      // A sequencer that is down refuses transactions: traders keep theirs and send them once it is back.
      const down = devnet.sequencer.status().state === "down";
      heldBack = down ? due : [];
      const slotTrades = down ? [] : due;
      const startReserves = await Promise.all(markets.map(readReserves));
      // Victims sign against the reserves they see when they trade: the slot's start.
      const victimsSent: { index: number; minOut: bigint; sent: Sent }[] = [];
      for (const { trade, index } of slotTrades) {
        const market = markets[trade.pool]!;
        const { reserveIn, reserveOut } = startReserves[trade.pool]!;
        const minOut = minOutFor(getAmountOut(trade.amountIn, reserveIn, reserveOut), BigInt(trade.slippageBps));
        const data =
          trade.depositOn === undefined
            ? encodeFunctionData({ abi: poolAbi(), functionName: "swap", args: [market.tokenIn, trade.amountIn, minOut, accounts[trade.trader]!.address] })
            : encodeFunctionData({
                abi: appAbi(),
                functionName: "swapAndDeposit",
                args: [trade.amountIn, minOut, BigInt(devnet.rollups[trade.depositOn]!.chainId), ACTION_GAS],
              });
        const to = trade.depositOn === undefined ? market.pool : market.swapAndDeposit;
        const trader = accounts[trade.trader]!;
        const raw = await sign(market.rollup, trader, to, data, trade.tipWei);
        const receivedAt = slotStart + trade.offsetMs;
        const item = await submit(devnet, policy, market.rollup, raw, receivedAt, random, { role: "victim", trade: index, slot, from: trader.address, to });
        sent.push(item);
        victimsSent.push({ index, minOut, sent: item });
      }
      for (const [searcherIndex, searcher] of scenario.searchers.entries()) {
        const searcherAccount = searcherAccounts[searcherIndex]!;
        // Under the encrypted policy nobody, the sequencer included, sees a victim before the order is fixed.
        if (policy === "encrypted") continue;
        const simulated = startReserves.map((reserves) => ({ ...reserves }));
        for (const victim of victimsSent) {
          const trade = trades[victim.index]!;
          const pool = simulated[trade.pool]!;
          const sandwich = optimalSandwich({ ...pool, victimAmountIn: trade.amountIn, victimMinOut: victim.minOut });
          if (sandwich === null) {
            Object.assign(pool, afterSwap(pool, trade.amountIn));
            continue;
          }
          attempted += 1;
          const market = markets[trade.pool]!;
          const victimTip = trade.tipWei;
          const placement = place(policy, searcher, victim.sent.receivedAt, victimTip);
          const front = await sign(market.rollup, searcherAccount, market.pool, swapData(market.tokenIn, sandwich.frontRunIn, searcherAccount.address), placement.front.tip);
          const back = await sign(market.rollup, searcherAccount, market.pool, swapData(market.tokenOut, sandwich.frontRunOut, searcherAccount.address), placement.back.tip);
          const searcherSent = { trade: victim.index, searcher, slot, from: searcherAccount.address, to: market.pool };
          sent.push(await submit(devnet, policy, market.rollup, front, placement.front.receivedAt, random, { role: "front", ...searcherSent }));
          sent.push(await submit(devnet, policy, market.rollup, back, placement.back.receivedAt, random, { role: "back", ...searcherSent }));
          const after = simulateSandwich({ ...pool, victimAmountIn: trade.amountIn, victimMinOut: victim.minOut, frontRunIn: sandwich.frontRunIn });
          Object.assign(pool, { reserveIn: after.reserveIn, reserveOut: after.reserveOut });
        }
      }
      for (const item of sent) {
        if (item.role !== "victim" || trades[item.trade]!.forceAfterSlots !== slot - item.slot || !isPending(devnet, item)) continue;
        await forceInclude(devnet, item);
        forcedInclusions += 1;
      }
      const before = devnet.sequencer.status();
      const started = performance.now();
      await devnet.sequencer.produceSlot();
      const processingMs = performance.now() - started;
      await devnet.sequencer.flush();
      const after = devnet.sequencer.status();
      // A slot counts when transactions were waiting and nothing reached L1: an idle slot owes no batch.
      if (before.pendingTransactions > 0 && after.lastBatch?.number === before.lastBatch?.number) slotsWithoutBatch += 1;
      for (const item of sent) {
        if (inclusions.has(item.transactionHash) || devnet.sequencer.transactionStatus(item.transactionHash)?.status !== "included") continue;
        inclusions.set(item.transactionHash, { slot, failovers: after.failovers - before.failovers });
      }
      for (const victim of victimsSent) {
        if (statusOf(devnet, victim.sent)?.status === "included") {
          latencies.push(scenario.slotMs - trades[victim.index]!.offsetMs + processingMs);
        }
      }
      victimLoss += await slotVictimLoss(devnet, markets, startReserves, sent, trades, slotStart, scenario.slotMs);
      step(`slot ${slot + 1}/${scenario.slots}`);
    }
    const searcherEnd = await searcherBalances();
    let profit = 0n;
    for (const [index, { market, held }] of searcherEnd.entries()) {
      const deltaIn = held.in - searcherStart[index]!.held.in;
      const deltaOut = held.out - searcherStart[index]!.held.out;
      // Out-tokens left over (a back-run that did not run) are valued at what selling them would fetch.
      const { reserveIn, reserveOut } = await readReserves(market);
      profit += deltaIn + (deltaOut > 0n ? getAmountOut(deltaOut, reserveOut, reserveIn) : 0n);
    }
    const statuses = sent.map((item) => ({ item, status: statusOf(devnet, item) }));
    let gasCost = 0n;
    for (const { item, status } of statuses) {
      if (item.role === "victim" || status?.status !== "included") continue;
      const receipt = await item.rollup.publicClient.getTransactionReceipt({ hash: status.hash });
      gasCost += receipt.gasUsed * receipt.effectiveGasPrice;
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (p: number) => percentile(sorted, p) ?? 0;
    const end = devnet.sequencer.status();
    const windows = censorWindows(configuration.faults, scenario.slots, victimAddress);
    const censored = sent
      .filter((item) => {
        const lastPending = inclusions.get(item.transactionHash)?.slot ?? scenario.slots - 1;
        return censoredBy(windows, { ...item, chainId: item.rollup.chainId, lastPending });
      })
      .map((item) => ({ sentSlot: item.slot, included: inclusions.get(item.transactionHash) }));
    return {
      configuration: configuration.name,
      policy,
      searcherProfit: formatTokens(profit),
      searcherGasCost: formatTokens(gasCost),
      victimLoss: formatTokens(victimLoss),
      sandwichesAttempted: attempted,
      sandwichesSucceeded: succeededSandwiches(statuses),
      dropped: statuses.filter(({ status }) => status?.status === "dropped").length,
      latencyMs: { p50: Math.round(at(50) * 10) / 10, p99: Math.round(at(99) * 10) / 10 },
      transactions: statuses.filter(({ status }) => status?.status === "included").length,
      censored: censorship(censored, { slotMs: scenario.slotMs, viewTimeoutMs: configuration.viewTimeoutMs }),
      forcedInclusions,
      slotsWithoutBatch,
      failovers: end.failovers - start.failovers,
      equivocationsProved: end.equivocationsProved - start.equivocationsProved,
    };
  } finally {
    await devnet.stop();
  }
}

// The ABIs are read when a run needs them, never when this module loads: the
// CLI loads it before the contracts may have been compiled.
const poolAbi = () => artifact("ConstantProductPool").abi;
const appAbi = () => artifact("SwapAndDeposit").abi;
const tokenAbi = () => artifact("DemoToken").abi;

function swapData(tokenIn: Address, amountIn: bigint, to: Address): Hex {
  return encodeFunctionData({ abi: poolAbi(), functionName: "swap", args: [tokenIn, amountIn, 0n, to] });
}

function afterSwap(pool: { reserveIn: bigint; reserveOut: bigint }, amountIn: bigint) {
  return { reserveIn: pool.reserveIn + amountIn, reserveOut: pool.reserveOut - getAmountOut(amountIn, pool.reserveIn, pool.reserveOut) };
}

/**
 * Where a searcher puts its front-run and back-run, as far as the policy
 * lets it: a head start under fcfs (the sequencer itself simply stamps them
 * around the victim), tips one wei either side of the victim's under
 * priority-fee; under fair-random it can only send them and let the slot's
 * permutation decide.
 */
function place(policy: PolicyName, searcher: ScenarioSearcher, victimAt: number, victimTip: bigint) {
  const lead = searcher.as === "sequencer" ? 0.5 : searcher.headStartMs;
  const tip = searcher.gasPriceWei ?? victimTip;
  switch (policy) {
    case "fcfs":
      return { front: { receivedAt: victimAt - lead, tip }, back: { receivedAt: victimAt + 0.5, tip } };
    case "priority-fee":
      return {
        front: { receivedAt: victimAt + 0.5, tip: victimTip + 1n },
        back: { receivedAt: victimAt + 0.5, tip: victimTip > 0n ? victimTip - 1n : 0n },
      };
    default:
      return { front: { receivedAt: victimAt + 0.5, tip }, back: { receivedAt: victimAt + 0.5, tip } };
  }
}

async function submit(
  devnet: Devnet,
  policy: PolicyName,
  rollup: DevnetChain,
  raw: Hex,
  receivedAt: number,
  random: Random,
  what: Pick<Sent, "role" | "trade" | "searcher" | "slot" | "from" | "to">,
): Promise<Sent> {
  const signed = { ...what, receivedAt, transactionHash: keccak256(raw), raw, rollup };
  if (policy === "encrypted") {
    const randomness = keccak256(toHex(`${random.next()}`));
    const ciphertext = encryptTransaction(devnet.sequencer.committeeKey.publicKey, raw, randomness);
    const id = await devnet.sequencer.submitEncrypted(ciphertext, { receivedAt });
    return { ...signed, id, encrypted: true };
  }
  const id = await devnet.sequencer.submitRawTransaction(rollup.chainId, raw, { receivedAt });
  return { ...signed, id, encrypted: false };
}

/** Whether a sent transaction is still waiting: neither included nor dropped. */
function isPending(devnet: Devnet, item: Sent): boolean {
  const status = statusOf(devnet, item)?.status;
  return status !== "included" && status !== "dropped";
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

/**
 * Puts the configuration's faults in force at the start of `slot`: clears
 * those whose `untilSlot` it is (unless they cleared themselves), then
 * injects those whose `atSlot` it is, with their roles filled in.
 */
function applyFaults(devnet: Devnet, faults: readonly ScenarioFault[], slot: number, ids: Map<ScenarioFault, string>, victimAddress: (victim: number) => Address): void {
  for (const entry of faults) {
    const id = ids.get(entry);
    if (entry.untilSlot === slot && id !== undefined) devnet.sequencer.clearFault(id);
  }
  for (const entry of faults) {
    if (entry.atSlot !== slot) continue;
    const status = devnet.sequencer.status();
    const leader = status.members.findIndex((member) => member.address === status.leader);
    ids.set(entry, devnet.sequencer.injectFault(devnetFault(entry, victimAddress, leader)));
  }
}

/** A scenario fault as the devnet takes it: `"victim:N"` becomes that victim's address, `"nodes": "leader"` the leading member. */
function devnetFault(entry: ScenarioFault, victimAddress: (victim: number) => Address, leader: number): ParsedFault {
  const { fault, addressOfVictim, censorLeader } = entry;
  if (fault.kind !== "censor") return fault;
  return { ...fault, address: censoredAddress(fault.address, addressOfVictim, victimAddress), ...(censorLeader ? { nodes: [leader] } : {}) };
}

/** The address a censor fault names: its own, or the account of the victim its `"victim:N"` role stands for. */
function censoredAddress(address: Address, addressOfVictim: number | undefined, victimAddress: (victim: number) => Address): Address {
  return addressOfVictim === undefined ? address : victimAddress(addressOfVictim);
}

/** When a censor fault is in force: slots `from` to `until` (exclusive), for transactions from or to `address` on `chainId` (or every rollup). */
export interface CensorWindow {
  address: Address;
  chainId: number | undefined;
  from: number;
  until: number;
}

/** The censor faults of a configuration, with their addresses resolved, and the slots they cover. */
function censorWindows(faults: readonly ScenarioFault[], slots: number, victimAddress: (victim: number) => Address): CensorWindow[] {
  return faults.flatMap(({ fault, addressOfVictim, atSlot, untilSlot }) =>
    fault.kind !== "censor"
      ? []
      : [{ address: censoredAddress(fault.address, addressOfVictim, victimAddress), chainId: fault.chainId, from: atSlot, until: untilSlot ?? slots }],
  );
}

/**
 * Whether a censor fault covered a transaction: one in force during a slot
 * it was pending in (from `slot`, when it was sent, to `lastPending`), on
 * its rollup, naming its sender or its recipient. Pure.
 */
export function censoredBy(
  windows: readonly CensorWindow[],
  transaction: { from: Address; to: Address; chainId: number; slot: number; lastPending: number },
): boolean {
  const parties = [transaction.from.toLowerCase(), transaction.to.toLowerCase()];
  return windows.some(
    (window) =>
      window.from <= transaction.lastPending &&
      window.until > transaction.slot &&
      (window.chainId === undefined || window.chainId === transaction.chainId) &&
      parties.includes(window.address.toLowerCase()),
  );
}

/** The scenario slot at whose end a transaction was first seen included, and the failovers during that slot. */
export interface Inclusion {
  slot: number;
  failovers: number;
}

/**
 * The value below which `p` percent of `sorted` (ascending) lie, by the
 * nearest rank; `undefined` for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Time to inclusion of censored transactions on the scenario clock: a
 * transaction sent in slot s and included at the end of slot t waited
 * (t − s + 1) slots, plus a view timeout for every failover in slot t. One
 * never included counts as not included: a percentile that falls on it,
 * and the maximum, are `null`, never 0. Pure.
 *
 * @example
 * ```ts
 * censorship([{ sentSlot: 0, included: { slot: 0, failovers: 1 } }], { slotMs: 1000, viewTimeoutMs: 2000 });
 * // { transactions: 1, notIncluded: 0, timeToInclusionMs: { p50: 3000, p99: 3000, max: 3000 } }
 * ```
 */
export function censorship(
  transactions: readonly { sentSlot: number; included: Inclusion | undefined }[],
  clock: { slotMs: number; viewTimeoutMs: number },
): CensorshipResult {
  const times = transactions
    .map(({ sentSlot, included }) =>
      included === undefined ? Number.POSITIVE_INFINITY : (included.slot - sentSlot + 1) * clock.slotMs + included.failovers * clock.viewTimeoutMs,
    )
    .sort((a, b) => a - b);
  const finite = (value: number | undefined) => (value === undefined || value === Number.POSITIVE_INFINITY ? null : value);
  return {
    transactions: transactions.length,
    notIncluded: times.filter((time) => time === Number.POSITIVE_INFINITY).length,
    timeToInclusionMs: { p50: finite(percentile(times, 50)), p99: finite(percentile(times, 99)), max: finite(times.at(-1)) },
  };
}

/** A sent transaction's status, through its ciphertext for an encrypted one. */
function statusOf(devnet: Devnet, item: Sent): { status: string; hash: Hex; globalSeq: number | null } | undefined {
  if (!item.encrypted) {
    const status = devnet.sequencer.transactionStatus(item.id);
    return status === null ? undefined : { status: status.status, hash: item.id, globalSeq: status.globalSeq };
  }
  const encrypted = devnet.sequencer.encryptedStatus(item.id);
  if (encrypted === null) return undefined;
  return { status: encrypted.status, hash: encrypted.transactionHash ?? item.id, globalSeq: encrypted.transaction?.globalSeq ?? null };
}

/** Sandwiches whose front-run, victim and back-run were all included, in that global order. */
function succeededSandwiches(statuses: readonly { item: Sent; status: ReturnType<typeof statusOf> }[]): number {
  const byTrade = new Map<string, Partial<Record<Sent["role"], number>>>();
  for (const { item, status } of statuses) {
    if (status?.status !== "included" || status.globalSeq === null) continue;
    for (const key of item.role === "victim" ? ["searcher", "sequencer"] : [item.searcher!.as]) {
      const entry = byTrade.get(`${item.trade}/${key}`) ?? {};
      entry[item.role] = status.globalSeq;
      byTrade.set(`${item.trade}/${key}`, entry);
    }
  }
  return [...byTrade.values()].filter(({ front, victim, back }) => front !== undefined && victim !== undefined && back !== undefined && front < victim && victim < back).length;
}

/**
 * What the slot's included victims received less than they would have
 * without the searchers: the slot's victim swaps replayed, in the order they
 * ran, on the slot's starting reserves without the searchers' swaps.
 */
async function slotVictimLoss(
  devnet: Devnet,
  markets: readonly Market[],
  startReserves: readonly { reserveIn: bigint; reserveOut: bigint }[],
  sent: readonly Sent[],
  trades: readonly PlannedTrade[],
  slotStart: number,
  slotMs: number,
): Promise<bigint> {
  const victims = sent
    .filter((item) => item.role === "victim" && item.receivedAt >= slotStart && item.receivedAt < slotStart + slotMs)
    .map((item) => ({ item, status: statusOf(devnet, item) }))
    .filter(({ status }) => status?.status === "included" && status.globalSeq !== null)
    .sort((a, b) => a.status!.globalSeq! - b.status!.globalSeq!);
  const pools = startReserves.map((reserves) => ({ ...reserves }));
  let loss = 0n;
  for (const { item, status } of victims) {
    const trade = trades[item.trade]!;
    const market = markets[trade.pool]!;
    const receipt = await item.rollup.publicClient.getTransactionReceipt({ hash: status!.hash });
    const pool = pools[trade.pool]!;
    const unattacked = getAmountOut(trade.amountIn, pool.reserveIn, pool.reserveOut);
    Object.assign(pool, afterSwap(pool, trade.amountIn));
    loss += unattacked - swapOutput(receipt, market);
  }
  return loss;
}

function swapOutput(receipt: TransactionReceipt, market: Market): bigint {
  const swaps = parseEventLogs({ abi: poolAbi(), logs: receipt.logs, eventName: "Swap" }).filter(
    (log) => log.address.toLowerCase() === market.pool.toLowerCase(),
  );
  return swaps.reduce((sum, log) => sum + log.args.amountOut, 0n);
}

async function balances(market: Market, owner: Address): Promise<{ in: bigint; out: bigint }> {
  const read = (token: Address) => market.rollup.publicClient.readContract({ address: token, abi: tokenAbi(), functionName: "balanceOf", args: [owner] });
  const [balanceIn, balanceOut] = await Promise.all([read(market.tokenIn), read(market.tokenOut)]);
  return { in: balanceIn, out: balanceOut };
}
