import { type Address, getContract, parseUnits } from "viem";
import { artifact } from "../contracts/artifacts.ts";
import type { Devnet } from "../devnet/devnet.ts";
import { XrollupError } from "../errors/base.ts";
import type { DevAccount } from "../rollups/accounts.ts";
import { deployMarket, marketAddresses } from "./market.ts";
import { type DemoChain, type DemoTarget, demoChain, demoTargetOf, sendIncluded } from "./target.ts";

/** The demo's fixed set-up, in one place: who deploys, who plays the user, and the amounts. */
export const DEMO_SETUP = {
  /** Development account that deploys everything, on both rollups: no one else may use it, so that its nonces put the demo at the same addresses on every devnet. */
  deployerIndex: 19,
  /** Development account that plays the user. */
  userIndex: 1,
  tokenA: { name: "Token A", symbol: "TKA" },
  bridged: { name: "Bridged USD", symbol: "xUSD" },
  /** Liquidity of each token in the pool on A. */
  liquidity: parseUnits("1000000", 18),
  /** TKA the user gets on A. */
  userTokenA: parseUnits("10000", 18),
  /** Most the vault on B holds in total. */
  vaultCap: parseUnits("5000", 18),
  /** TKA the deployer keeps, to top the user up when scenes are run again and again. */
  deployerTokenA: parseUnits("1000000", 18),
} as const;

/** Thrown when the deployer has sent transactions, but the demo is not (all) where they put it: someone else used the account. */
export class DemoDeployerUsedError extends XrollupError {
  override name = "DemoDeployerUsedError";
  constructor({ deployer, chainId, nonce }: { deployer: Address; chainId: number; nonce: number }) {
    super(`The demo's deployer ${deployer} has already sent ${nonce} transactions on rollup ${chainId}, but the demo is not there.`, {
      details: [
        `The demo deploys at fixed addresses, which depend on the deployer (development account #${DEMO_SETUP.deployerIndex}) starting at nonce 0 on both rollups.`,
        "Something else used that account, or an earlier load stopped half-way: run the demo on a fresh devnet.",
      ],
      data: { deployer, chainId, nonce },
    });
  }
}

/** Thrown when a demo contract did not land at the address computed from the deployer's nonce. */
export class DemoAddressMismatchError extends XrollupError {
  override name = "DemoAddressMismatchError";
  constructor({ contract, chainId, expected, actual }: { contract: string; chainId: number; expected: Address; actual: Address | null }) {
    super(`${contract} was deployed on rollup ${chainId} at ${actual ?? "no address"}, not at ${expected}.`, {
      details: [`Expected address: ${expected}`, `Actual address: ${actual ?? "none"}`],
      data: { contract, chainId, expected, actual },
    });
  }
}

/** Where the demo's contracts are. */
export interface DemoAddresses {
  /** Token A (TKA), on A. */
  tokenA: Address;
  /** The bridged token (xUSD): the same address on A and B. */
  bridged: Address;
  /** The TKA/xUSD ConstantProductPool, on A (token0 = TKA, token1 = xUSD). */
  pool: Address;
  /** SwapAndDeposit: the same address on A (the trigger) and B (the action). */
  swapAndDeposit: Address;
  /** The xUSD vault, on B. */
  vault: Address;
}

/** Typed reads of the demo's state, each straight from the chain. */
export interface DemoReads {
  /** An account's TKA on A. */
  tokenABalance(account: Address): Promise<bigint>;
  /** An account's xUSD on rollup `side`. */
  bridgedBalance(side: "a" | "b", account: Address): Promise<bigint>;
  /** xUSD in existence on rollup `side`. */
  bridgedTotalSupply(side: "a" | "b"): Promise<bigint>;
  /** The pool's reserves on A. */
  reserves(): Promise<{ tokenA: bigint; bridged: bigint }>;
  /** xUSD the pool pays for `amountIn` TKA now (Uniswap v2's getAmountOut). */
  quote(amountIn: bigint): Promise<bigint>;
  /** Deposits credited to an account in the vault on B. */
  vaultBalance(account: Address): Promise<bigint>;
  /** Sum of all deposits in the vault on B. */
  vaultTotalDeposits(): Promise<bigint>;
  /** Most the vault on B holds in total. */
  vaultCap(): Promise<bigint>;
}

/** The deployed demo: the two rollups, who is who, where everything is, and reads of its state. */
export interface DemoDeployment {
  /** Rollup A, where the user swaps: the target's first rollup. */
  a: DemoChain;
  /** Rollup B, where the vault is: the target's second rollup. */
  b: DemoChain;
  deployer: DevAccount;
  user: DevAccount;
  addresses: DemoAddresses;
  read: DemoReads;
}

/**
 * Loads the swap-and-deposit demo onto a running devnet's first two rollups,
 * at the same addresses on every devnet, or finds it there when it is
 * already loaded (so loading twice is harmless).
 *
 * It is {@link deployMarket} with the demo's set-up: TKA/xUSD on A, the
 * capped vault on B, and the user funded with TKA and its approvals given.
 *
 * @throws {DemoDeployerUsedError} when the deployer has sent transactions on A or B but the demo is not there.
 *
 * @example
 * ```ts
 * const deployment = await loadDemo(await demoTargetFromRpc("http://127.0.0.1:8545"));
 * console.log(await deployment.read.tokenABalance(deployment.user.address)); // 10000n * 10n ** 18n on a fresh devnet
 * ```
 */
export async function loadDemo(target: DemoTarget): Promise<DemoDeployment> {
  const [onA, onB] = target.rollups;
  if (onA === undefined || onB === undefined) {
    throw new XrollupError(`The demo needs two rollups; this devnet has ${target.rollups.length}.`);
  }
  const [a, b] = [demoChain(onA), demoChain(onB)];
  const deployer = devAccount(target, DEMO_SETUP.deployerIndex);
  const user = devAccount(target, DEMO_SETUP.userIndex);
  const at = marketAddresses(deployer.address);
  const addresses: DemoAddresses = { tokenA: at.tokenIn, bridged: at.tokenOut, pool: at.pool, swapAndDeposit: at.swapAndDeposit, vault: at.vaultAt };
  const found = await Promise.all([
    deploymentOn(a, deployer.address, [addresses.swapAndDeposit, addresses.pool]),
    deploymentOn(b, deployer.address, [addresses.swapAndDeposit, addresses.vault]),
  ]);
  if (found.some((state) => state !== "loaded")) {
    const used = [a, b].flatMap((rollup, index) => {
      const state = found[index]!;
      return typeof state === "number" && state > 0 ? [{ chainId: rollup.chainId, nonce: state }] : [];
    });
    if (used[0] !== undefined) throw new DemoDeployerUsedError({ deployer: deployer.address, ...used[0] });
    await deploy([a, b], deployer, user);
  }
  return { a, b, deployer, user, addresses, read: demoReads(a, b, addresses) };
}

/**
 * {@link loadDemo} on an in-process devnet.
 *
 * @example
 * ```ts
 * const devnet = await startDevnet({ rollups: 2 });
 * const demo = await deployDemo(devnet);
 * ```
 */
export function deployDemo(devnet: Devnet): Promise<DemoDeployment> {
  return loadDemo(demoTargetOf(devnet));
}

/** `"loaded"` when the demo's contracts are on this rollup, else the deployer's nonce there (0: free to deploy). */
async function deploymentOn(rollup: DemoChain, deployer: Address, contracts: readonly Address[]): Promise<"loaded" | number> {
  const codes = await Promise.all(contracts.map((address) => rollup.publicClient.getCode({ address })));
  if (codes.every((code) => code !== undefined && code !== "0x")) return "loaded";
  return rollup.publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
}

async function deploy(rollups: readonly DemoChain[], deployer: DevAccount, user: DevAccount): Promise<void> {
  await deployMarket(
    { rollups },
    {
      deployer,
      poolRollup: 0,
      reserveIn: DEMO_SETUP.liquidity,
      reserveOut: DEMO_SETUP.liquidity,
      tokens: {
        in: [DEMO_SETUP.tokenA.name, DEMO_SETUP.tokenA.symbol],
        out: [DEMO_SETUP.bridged.name, DEMO_SETUP.bridged.symbol],
      },
      vaultCap: DEMO_SETUP.vaultCap,
      traders: [{ account: user, fundIn: DEMO_SETUP.userTokenA }],
      sellers: [],
      deployerKeepsIn: DEMO_SETUP.deployerTokenA,
      send: async (rollup, from, { to, data, contract, expected }) => {
        const step = `set up the demo on rollup ${rollup.chainId}`;
        const hash = await sendIncluded(rollup, from, { ...(to === undefined ? {} : { to }), data }, step);
        if (contract === undefined || expected === undefined) return;
        const { contractAddress } = await rollup.publicClient.getTransactionReceipt({ hash });
        if (contractAddress?.toLowerCase() !== expected.toLowerCase()) {
          throw new DemoAddressMismatchError({ contract, chainId: rollup.chainId, expected, actual: contractAddress ?? null });
        }
      },
    },
  );
}

function devAccount(target: DemoTarget, index: number): DevAccount {
  const account = target.accounts[index];
  if (account === undefined) throw new XrollupError(`The devnet has no development account #${index}.`);
  return account;
}

function demoReads(a: DemoChain, b: DemoChain, addresses: DemoAddresses): DemoReads {
  const tokenA = getContract({ address: addresses.tokenA, abi: artifact("DemoToken").abi, client: a.publicClient });
  const bridgedAbi = artifact("BridgedToken").abi;
  const bridged = {
    a: getContract({ address: addresses.bridged, abi: bridgedAbi, client: a.publicClient }),
    b: getContract({ address: addresses.bridged, abi: bridgedAbi, client: b.publicClient }),
  };
  const pool = getContract({ address: addresses.pool, abi: artifact("ConstantProductPool").abi, client: a.publicClient });
  const vault = getContract({ address: addresses.vault, abi: artifact("Vault").abi, client: b.publicClient });
  return {
    tokenABalance: (account) => tokenA.read.balanceOf([account]),
    bridgedBalance: (side, account) => bridged[side].read.balanceOf([account]),
    bridgedTotalSupply: (side) => bridged[side].read.totalSupply(),
    async reserves() {
      // The pool was created as (TKA, xUSD): token0 is TKA.
      const [reserve0, reserve1] = await pool.read.getReserves();
      return { tokenA: reserve0, bridged: reserve1 };
    },
    quote: (amountIn) => pool.read.getAmountOut([addresses.tokenA, amountIn]),
    vaultBalance: (account) => vault.read.balanceOf([account]),
    vaultTotalDeposits: () => vault.read.totalDeposits(),
    vaultCap: () => vault.read.cap(),
  };
}
