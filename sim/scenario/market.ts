import { type Address, encodeDeployData, encodeFunctionData, getContractAddress, type Hex, maxUint256, zeroAddress } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { XrollupError } from "../../errors/base.ts";
import type { DevAccount } from "../../rollups/accounts.ts";

/** One scenario pool, deployed: the pool and its tokens, and the swap-and-deposit app on every rollup. */
export interface Market {
  rollup: DevnetChain;
  pool: Address;
  /** The token users sell (a plain ERC-20). */
  tokenIn: Address;
  /** The token users buy: bridgeable, at one address on every rollup. */
  tokenOut: Address;
  /** SwapAndDeposit, at one address on every rollup (the trigger on the pool's rollup, the receiver elsewhere). */
  swapAndDeposit: Address;
}

/** What deploying a market needs. */
export interface MarketParameters {
  /** Deploys everything; must not have sent a transaction yet, so that addresses line up across rollups. */
  deployer: DevAccount;
  poolRollup: number;
  reserveIn: bigint;
  reserveOut: bigint;
  /** Accounts funded with `fundIn` of the in-token, which approve the pool and SwapAndDeposit for it. */
  traders: readonly { account: DevAccount; fundIn: bigint }[];
  /** Accounts that also approve the pool for the out-token (searchers sell it back). */
  sellers: readonly DevAccount[];
  /** Runs one transaction to inclusion (the caller drives the sequencer). */
  send: (rollup: DevnetChain, from: DevAccount, request: { to?: Address; data: Hex }) => Promise<void>;
}

/**
 * Deploys a pool for a scenario with the same construction as the demo: on
 * every rollup the deployer's nonce 0 is the bridgeable out-token and nonce 1
 * SwapAndDeposit, so both share an address everywhere; on the pool's rollup
 * nonce 2 is the in-token and 3 the pool, elsewhere nonce 2 is a vault
 * without a cap. Then it seeds the pool and funds the traders.
 */
export async function deployMarket(devnet: Devnet, parameters: MarketParameters): Promise<Market> {
  const { deployer, poolRollup, reserveIn, reserveOut, send } = parameters;
  const at = (nonce: number) => getContractAddress({ from: deployer.address, nonce: BigInt(nonce) });
  const [tokenOut, swapAndDeposit, tokenIn, pool] = [at(0), at(1), at(2), at(3)];
  const bridged = artifact("BridgedToken");
  const demoToken = artifact("DemoToken");
  const poolArtifact = artifact("ConstantProductPool");
  const vault = artifact("Vault");
  const app = artifact("SwapAndDeposit");
  const fundedIn = parameters.traders.reduce((sum, trader) => sum + trader.fundIn, 0n);
  for (const [index, rollup] of devnet.rollups.entries()) {
    const here = index === poolRollup;
    const nonce = await rollup.publicClient.getTransactionCount({ address: deployer.address });
    if (nonce !== 0) throw new XrollupError(`Account ${deployer.address} has already sent transactions on ${rollup.name}; it must be fresh to deploy a market.`);
    const deploy = (data: Hex) => send(rollup, deployer, { data });
    await deploy(encodeDeployData({ ...bridged, args: ["Scenario out-token", "OUT", here ? reserveOut : 0n] }));
    await deploy(encodeDeployData({ ...app, args: here ? [pool, tokenIn, tokenOut, zeroAddress] : [zeroAddress, zeroAddress, tokenOut, at(2)] }));
    if (!here) {
      await deploy(encodeDeployData({ ...vault, args: [tokenOut, maxUint256] }));
      continue;
    }
    await deploy(encodeDeployData({ ...demoToken, args: ["Scenario in-token", "IN", reserveIn + fundedIn] }));
    await deploy(encodeDeployData({ ...poolArtifact, args: [tokenIn, tokenOut] }));
    const approve = (spender: Address) => encodeFunctionData({ abi: demoToken.abi, functionName: "approve", args: [spender, maxUint256] });
    await send(rollup, deployer, { to: tokenIn, data: approve(pool) });
    await send(rollup, deployer, { to: tokenOut, data: approve(pool) });
    await send(rollup, deployer, {
      to: pool,
      data: encodeFunctionData({ abi: poolArtifact.abi, functionName: "addLiquidity", args: [reserveIn, reserveOut] }),
    });
    for (const { account, fundIn } of parameters.traders) {
      await send(rollup, deployer, {
        to: tokenIn,
        data: encodeFunctionData({ abi: demoToken.abi, functionName: "transfer", args: [account.address, fundIn] }),
      });
      await send(rollup, account, { to: tokenIn, data: approve(pool) });
      await send(rollup, account, { to: tokenIn, data: approve(swapAndDeposit) });
    }
    for (const account of parameters.sellers) await send(rollup, account, { to: tokenOut, data: approve(pool) });
  }
  return { rollup: devnet.rollups[poolRollup]!, pool, tokenIn, tokenOut, swapAndDeposit };
}

/** The pool's reserves as (in, out). */
export async function readReserves(market: Market): Promise<{ reserveIn: bigint; reserveOut: bigint }> {
  const { abi } = artifact("ConstantProductPool");
  const [reserve0, reserve1] = await market.rollup.publicClient.readContract({ address: market.pool, abi, functionName: "getReserves" });
  // The pool orders its tokens as constructed: (tokenIn, tokenOut).
  return { reserveIn: reserve0, reserveOut: reserve1 };
}
