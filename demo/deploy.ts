import { type Address, type Hash, getContract, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { artifact } from "../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../devnet/devnet.ts";
import { XrollupError } from "../errors/base.ts";
import type { DevAccount } from "../rollups/accounts.ts";
import { deployMarket } from "./market.ts";

/** The demo's fixed set-up, in one place: who deploys, who plays the user, and the amounts. */
export const DEMO_SETUP = {
  /** Development account that deploys everything, on both rollups; it must not have sent anything yet. */
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
} as const;

/** Thrown when the deployer already sent transactions: the demo's addresses would not be the usual ones. */
export class DemoDeployerUsedError extends XrollupError {
  override name = "DemoDeployerUsedError";
  constructor({ deployer, chainId, nonce }: { deployer: Address; chainId: number; nonce: number }) {
    super(`The demo's deployer ${deployer} has already sent ${nonce} transactions on rollup ${chainId}.`, {
      details: [
        "The demo deploys at fixed addresses, which depend on the deployer's nonces starting at 0 on both rollups.",
        "Run it on a fresh devnet.",
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
  /** Rollup A, where the user swaps: `devnet.rollups[0]`. */
  a: DevnetChain;
  /** Rollup B, where the vault is: `devnet.rollups[1]`. */
  b: DevnetChain;
  deployer: DevAccount;
  user: DevAccount;
  addresses: DemoAddresses;
  read: DemoReads;
}

/**
 * Deploys the swap-and-deposit demo on the devnet's first two rollups, at the
 * same addresses on every run.
 *
 * It is {@link deployMarket} with the demo's set-up: TKA/xUSD on A, the
 * capped vault on B, and the user funded with TKA and its approvals given.
 *
 * @throws {DemoDeployerUsedError} when the deployer has already sent a transaction on A or B.
 *
 * @example
 * ```ts
 * const devnet = await startDevnet({ rollups: 2 });
 * const demo = await deployDemo(devnet);
 * console.log(await demo.read.tokenABalance(demo.user.address)); // 10000n * 10n ** 18n
 * ```
 */
export async function deployDemo(devnet: Devnet): Promise<DemoDeployment> {
  const [a, b] = devnet.rollups;
  if (a === undefined || b === undefined) {
    throw new XrollupError(`The demo needs two rollups; this devnet has ${devnet.rollups.length}.`);
  }
  const deployer = devAccount(devnet, DEMO_SETUP.deployerIndex);
  const user = devAccount(devnet, DEMO_SETUP.userIndex);
  await Promise.all(devnet.rollups.map((rollup) => checkFresh(rollup, deployer.address)));
  const market = await deployMarket(devnet, {
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
    send: async (rollup, from, { to, data, contract, expected }) => {
      const sent = rollup.walletClient.sendTransaction({ account: privateKeyToAccount(from.privateKey), to, data });
      const check = checker(rollup);
      if (contract !== undefined && expected !== undefined) await check.deployed(contract, expected, sent);
      else await check.mined(sent);
    },
  });
  const addresses: DemoAddresses = {
    tokenA: market.tokenIn,
    bridged: market.tokenOut,
    pool: market.pool,
    swapAndDeposit: market.swapAndDeposit,
    vault: market.vaultAt,
  };
  return { a, b, deployer, user, addresses, read: demoReads(a, b, addresses) };
}

/** Waits for the deployer's transactions on one rollup and checks that they did what the demo counts on. */
function checker(rollup: DevnetChain) {
  const mined = async (sent: Promise<Hash>) => {
    const hash = await sent;
    const receipt = await rollup.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      throw new XrollupError(`Demo set-up transaction ${hash} reverted on rollup ${rollup.chainId}.`);
    }
    return receipt;
  };
  return {
    mined: async (sent: Promise<Hash>): Promise<void> => void (await mined(sent)),
    async deployed(contract: string, expected: Address, sent: Promise<Hash>): Promise<void> {
      const { contractAddress } = await mined(sent);
      if (contractAddress?.toLowerCase() !== expected.toLowerCase()) {
        throw new DemoAddressMismatchError({ contract, chainId: rollup.chainId, expected, actual: contractAddress ?? null });
      }
    },
  };
}

async function checkFresh(rollup: DevnetChain, deployer: Address): Promise<void> {
  const nonce = await rollup.publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  if (nonce !== 0) throw new DemoDeployerUsedError({ deployer, chainId: rollup.chainId, nonce });
}

function devAccount(devnet: Devnet, index: number): DevAccount {
  const account = devnet.accounts[index];
  if (account === undefined) throw new XrollupError(`The devnet has no development account #${index}.`);
  return account;
}

function demoReads(a: DevnetChain, b: DevnetChain, addresses: DemoAddresses): DemoReads {
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
