import {
  type Address,
  type Chain as ViemChain,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  maxUint256,
  type PublicClient,
  type Transport,
  zeroAddress,
} from "viem";
import { artifact } from "../contracts/artifacts.ts";
import type { DevnetChain } from "../devnet/devnet.ts";
import type { DevAccount } from "../rollups/accounts.ts";

/** What a market needs of a rollup: a client to read it (the devnet's chains, or the demo's over any provider). */
export interface MarketRollup {
  publicClient: PublicClient<Transport, ViemChain>;
}

/** A pool, deployed: the pool and its tokens, and the swap-and-deposit app on every rollup. */
export interface Market<R extends MarketRollup = DevnetChain> {
  rollup: R;
  pool: Address;
  /** The token users sell (a plain ERC-20). */
  tokenIn: Address;
  /** The token users buy: bridgeable, at one address on every rollup. */
  tokenOut: Address;
  /** SwapAndDeposit, at one address on every rollup (the trigger on the pool's rollup, the receiver elsewhere). */
  swapAndDeposit: Address;
  /** Where the vault is on every rollup but the pool's. */
  vaultAt: Address;
}

/** What deploying a market needs. */
export interface MarketParameters<R extends MarketRollup = DevnetChain> {
  /** Deploys everything; must not have sent a transaction yet, so that addresses line up across rollups (callers check). */
  deployer: DevAccount;
  poolRollup: number;
  reserveIn: bigint;
  reserveOut: bigint;
  /** Names and symbols of the in-token and the out-token. */
  tokens: { in: readonly [string, string]; out: readonly [string, string] };
  /** Most each vault (on every rollup but the pool's) holds in total. */
  vaultCap: bigint;
  /** Accounts funded with `fundIn` of the in-token (and `fundOut` of the out-token, on the pool's rollup), which approve the pool and SwapAndDeposit for the in-token. */
  traders: readonly { account: DevAccount; fundIn: bigint; fundOut?: bigint }[];
  /** Accounts that also approve the pool for the out-token (searchers sell it back). */
  sellers: readonly DevAccount[];
  /** In-token the deployer keeps, to fund traders later (default none). */
  deployerKeepsIn?: bigint;
  /**
   * Runs one transaction to inclusion (the caller drives the sequencer); for
   * a deployment, `contract` names it and `expected` is where it must land.
   */
  send: (rollup: R, from: DevAccount, request: { to?: Address; data: Hex; contract?: string; expected?: Address }) => Promise<void>;
}

/**
 * Where {@link deployMarket} puts everything, from the deployer's nonces: the
 * same on every run, so a deployment can be found again.
 */
export function marketAddresses(deployer: Address): Pick<Market, "tokenOut" | "swapAndDeposit" | "tokenIn" | "pool" | "vaultAt"> {
  const at = (nonce: number) => getContractAddress({ from: deployer, nonce: BigInt(nonce) });
  return { tokenOut: at(0), swapAndDeposit: at(1), tokenIn: at(2), pool: at(3), vaultAt: at(2) };
}

/**
 * Deploys the demo app around one pool, for the demo and for scenarios: on
 * every rollup the deployer's nonce 0 is the bridgeable out-token and nonce 1
 * SwapAndDeposit, so both share an address everywhere, as the messenger
 * requires of a message's sender and its counterpart; on the pool's rollup
 * nonce 2 is the in-token and 3 the pool, elsewhere nonce 2 is a vault.
 * SwapAndDeposit's constructor gets the addresses of contracts deployed after
 * it, computed from their nonces. Then it seeds the pool and funds the
 * traders. Rollups are deployed one after the other, so runs are repeatable
 * down to slots and global sequence numbers.
 */
export async function deployMarket<R extends MarketRollup = DevnetChain>(
  target: { rollups: readonly R[] },
  parameters: MarketParameters<R>,
): Promise<Market<R>> {
  const { deployer, poolRollup, reserveIn, reserveOut, send } = parameters;
  const { tokenOut, swapAndDeposit, tokenIn, pool, vaultAt } = marketAddresses(deployer.address);
  const bridged = artifact("BridgedToken");
  const demoToken = artifact("DemoToken");
  const poolArtifact = artifact("ConstantProductPool");
  const vault = artifact("Vault");
  const app = artifact("SwapAndDeposit");
  const fundedIn = parameters.traders.reduce((sum, trader) => sum + trader.fundIn, parameters.deployerKeepsIn ?? 0n);
  const fundedOut = parameters.traders.reduce((sum, trader) => sum + (trader.fundOut ?? 0n), 0n);
  for (const [index, rollup] of target.rollups.entries()) {
    const here = index === poolRollup;
    const deploy = (contract: string, expected: Address, data: Hex) => send(rollup, deployer, { data, contract, expected });
    await deploy("BridgedToken", tokenOut, encodeDeployData({ ...bridged, args: [...parameters.tokens.out, here ? reserveOut + fundedOut : 0n] }));
    const appArgs = here ? ([pool, tokenIn, tokenOut, zeroAddress] as const) : ([zeroAddress, zeroAddress, tokenOut, vaultAt] as const);
    await deploy("SwapAndDeposit", swapAndDeposit, encodeDeployData({ ...app, args: appArgs }));
    if (!here) {
      await deploy("Vault", vaultAt, encodeDeployData({ ...vault, args: [tokenOut, parameters.vaultCap] }));
      continue;
    }
    await deploy("DemoToken", tokenIn, encodeDeployData({ ...demoToken, args: [...parameters.tokens.in, reserveIn + fundedIn] }));
    await deploy("ConstantProductPool", pool, encodeDeployData({ ...poolArtifact, args: [tokenIn, tokenOut] }));
    const approve = (spender: Address) => encodeFunctionData({ abi: demoToken.abi, functionName: "approve", args: [spender, maxUint256] });
    await send(rollup, deployer, { to: tokenIn, data: approve(pool) });
    await send(rollup, deployer, { to: tokenOut, data: approve(pool) });
    await send(rollup, deployer, {
      to: pool,
      data: encodeFunctionData({ abi: poolArtifact.abi, functionName: "addLiquidity", args: [reserveIn, reserveOut] }),
    });
    for (const { account, fundIn, fundOut } of parameters.traders) {
      await send(rollup, deployer, {
        to: tokenIn,
        data: encodeFunctionData({ abi: demoToken.abi, functionName: "transfer", args: [account.address, fundIn] }),
      });
      if (fundOut !== undefined && fundOut > 0n) {
        await send(rollup, deployer, { to: tokenOut, data: encodeFunctionData({ abi: demoToken.abi, functionName: "transfer", args: [account.address, fundOut] }) });
      }
      await send(rollup, account, { to: tokenIn, data: approve(pool) });
      await send(rollup, account, { to: tokenIn, data: approve(swapAndDeposit) });
    }
    for (const account of parameters.sellers) await send(rollup, account, { to: tokenOut, data: approve(pool) });
  }
  return { rollup: target.rollups[poolRollup]!, pool, tokenIn, tokenOut, swapAndDeposit, vaultAt };
}

/** The pool's reserves as (in, out). */
export async function readReserves(market: Market<MarketRollup>): Promise<{ reserveIn: bigint; reserveOut: bigint }> {
  const { abi } = artifact("ConstantProductPool");
  const [reserve0, reserve1] = await market.rollup.publicClient.readContract({ address: market.pool, abi, functionName: "getReserves" });
  // The pool orders its tokens as constructed: (tokenIn, tokenOut).
  return { reserveIn: reserve0, reserveOut: reserve1 };
}
