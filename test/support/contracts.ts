import { expect } from "chai";
import { network } from "hardhat";
import type { ArtifactMap } from "hardhat/types/artifacts";
import type { NetworkConnection } from "hardhat/types/network";
import {
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type Hex,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeAbiParameters,
  getAddress,
  hexToBigInt,
  isHex,
  keccak256,
  numberToHex,
  parseAbiParameters,
  parseSignature,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Chain } from "../../rollups/chain.ts";
import { installPredeploys } from "../../rollups/predeploys.ts";

/** A custom error as a revert carries it: its name and decoded arguments. */
export interface DecodedRevert {
  errorName: string;
  args: readonly unknown[];
}

/** The custom error a revert carries, decoded with `abi`, whichever viem error wraps it. */
export function revertOf(error: unknown, abi: Abi): DecodedRevert {
  if (!(error instanceof BaseError)) throw new Error(`expected a viem error, got: ${String(error)}`);
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.data !== undefined) {
    return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
  }
  // A failed deployment is not a contract call: viem leaves the revert data undecoded on the node's error.
  const withData = error.walk((e) => typeof e === "object" && e !== null && "data" in e && isHex(e.data));
  if (typeof withData === "object" && withData !== null && "data" in withData && isHex(withData.data)) {
    const decoded = decodeErrorResult({ abi, data: withData.data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  }
  throw new Error(`expected a revert with a custom error, got: ${error.message}`);
}

/** Awaits `action`, expecting it to revert, and returns the custom error it reverted with. */
export async function revertedWith(action: Promise<unknown>, abi: Abi): Promise<DecodedRevert> {
  try {
    await action;
  } catch (error) {
    return revertOf(error, abi);
  }
  return expect.fail("expected a revert, but the call succeeded");
}

/** Expects `action` to revert with the custom error `errorName(...args)` of `abi`. */
export async function expectRevert(
  action: Promise<unknown>,
  abi: Abi,
  errorName: string,
  args: readonly unknown[],
): Promise<void> {
  const revert = await revertedWith(action, abi);
  expect(revert.errorName).to.equal(errorName);
  expect(revert.args).to.deep.equal(args);
}

/** Where every rollup has the messenger (`Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER`). */
export const MESSENGER_ADDRESS: Address = getAddress("0x4200000000000000000000000000000000000023");

type MessengerAbi = ArtifactMap["L2ToL2CrossDomainMessenger"]["abi"];
/** A message as `relayMessage` takes it. */
export type RelayedMessage = ContractFunctionArgs<MessengerAbi, "nonpayable", "relayMessage">[0];

/** What the devnet installs the messenger with. */
export interface MessengerParameters {
  /** The sequencer committee: every member may relay, with its own signature. */
  committee: readonly Address[];
  firstChainId: bigint;
  chainCount: bigint;
  /** On a rollup added at runtime: the rollups added up to it, itself last, which its messenger knows from genesis. */
  addedChainIds?: readonly bigint[];
}

/**
 * Installs the messenger at its predeploy address with the devnet's own `installPredeploys` (its runtime code, the
 * committee as its relayers, and the members' balances) on the connection's chain. Returns the messenger as a viem
 * contract.
 */
export async function predeployMessenger(connection: NetworkConnection, parameters: MessengerParameters) {
  const chainId = Number(parameters.addedChainIds?.at(-1) ?? parameters.firstChainId);
  const chain: Chain = {
    spec: { name: `rollup-${chainId}`, chainId, kind: "rollup", genesisTimestamp: 0 },
    provider: connection.provider,
    close: () => connection.close(),
  };
  const chainIds = Array.from({ length: Number(parameters.chainCount) }, (_, index) => Number(parameters.firstChainId) + index);
  const addedChainIds = (parameters.addedChainIds ?? []).map(Number);
  await installPredeploys(chain, { committee: parameters.committee, chainIds, addedChainIds });
  return connection.viem.getContractAt("L2ToL2CrossDomainMessenger", MESSENGER_ADDRESS);
}

const MESSAGE_HASH_PARAMETERS = parseAbiParameters(
  "uint256 destination, uint256 source, uint256 nonce, address sender, address target, bytes message",
);

/** The Superchain's `Hashing.hashL2toL2CrossDomainMessage`, written out independently of the contract. */
export function messageHashOf(message: Omit<RelayedMessage, "gasLimit">): Hex {
  return keccak256(
    encodeAbiParameters(MESSAGE_HASH_PARAMETERS, [
      message.destination,
      message.source,
      message.nonce,
      message.sender,
      message.target,
      message.message,
    ]),
  );
}

const RELAY_HASH_PARAMETERS = parseAbiParameters("bytes32 messageHash, uint256 gasLimit");

/** What a committee member signs for a relay, `keccak256(abi.encode(messageHash, gasLimit))`, written out independently. */
export function relayHashOf(message: RelayedMessage): Hex {
  return keccak256(encodeAbiParameters(RELAY_HASH_PARAMETERS, [messageHashOf(message), message.gasLimit]));
}

/** `relayMessage`'s signature arguments: v, r, s. */
export type RelaySignature = readonly [number, Hex, Hex];

/** Signs a relay as a committee member does (EIP-191 personal message of the 32-byte relay hash). */
export async function signRelay(privateKey: Hex, message: RelayedMessage): Promise<RelaySignature> {
  const signature = await privateKeyToAccount(privateKey).signMessage({ message: { raw: relayHashOf(message) } });
  const { r, s, v } = parseSignature(signature);
  if (v === undefined) throw new Error("expected a legacy signature with v");
  return [Number(v), r, s];
}

/** Order of secp256k1's group. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The other valid signature of the same hash by the same key (s → n - s, v flipped): what EIP-2 forbids. */
export function malleable([v, r, s]: RelaySignature): RelaySignature {
  return [v === 27 ? 28 : 27, r, numberToHex(SECP256K1_N - hexToBigInt(s), { size: 32 })];
}

/**
 * Lets the chain accept transactions from `address` without its key, and funds it: the messenger takes relays only
 * from committee members' accounts, so a test relays from one as the member does.
 */
export async function impersonate(connection: NetworkConnection, address: Address): Promise<void> {
  await connection.provider.request({ method: "hardhat_impersonateAccount", params: [address] });
  await connection.provider.request({ method: "hardhat_setBalance", params: [address, numberToHex(10n ** 21n)] });
}

/** An in-process chain with the given chain id; `closeChains` closes every chain opened so far. */
export async function openChain(chainId: number): Promise<NetworkConnection> {
  const connection = await network.create({ override: { chainId } });
  openChains.push(connection);
  return connection;
}

const openChains: NetworkConnection[] = [];

/** Closes every chain `openChain` opened: call it in `afterEach`. */
export async function closeChains(): Promise<void> {
  await Promise.all(openChains.splice(0).map((connection) => connection.close()));
}
