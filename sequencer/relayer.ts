import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  getAbiItem,
  type Hex,
  hashMessage,
  hexToBytes,
  keccak256,
  parseEventLogs,
  type RpcLog,
  type TransactionSerializableEIP1559,
} from "viem";
import { artifact } from "../contracts/artifacts.ts";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import type { RollupEngine } from "./ports.ts";
import { signHash, signTransaction } from "./secp256k1.ts";
import type { SequencedTransaction } from "./types.ts";

/** A message a rollup's messenger emitted, ready to relay on its destination. */
export interface CrossDomainMessage {
  destination: bigint;
  source: bigint;
  nonce: bigint;
  sender: Address;
  target: Address;
  message: Hex;
  gasLimit: bigint;
  /** The Superchain message hash: `keccak256(abi.encode(destination, source, nonce, sender, target, message))`. */
  hash: Hex;
}

/**
 * The messages sent by a transaction, read from its receipt's logs, in the
 * order it sent them. Pure.
 */
export function sentMessagesOf(logs: readonly RpcLog[], source: number): CrossDomainMessage[] {
  const fromMessenger = logs.filter((log) => log.address.toLowerCase() === MESSENGER_ADDRESS.toLowerCase());
  if (fromMessenger.length === 0) return [];
  const events = parseEventLogs({ abi: messageEvents(), logs: fromMessenger as RpcLog[] });
  const gasLimits = new Map<Hex, bigint>();
  for (const event of events) {
    if (event.eventName === "MessageGasLimit") gasLimits.set(event.args.messageHash, event.args.gasLimit);
  }
  return events.flatMap((event) => {
    if (event.eventName !== "SentMessage") return [];
    const { destination, target, messageNonce, sender, message } = event.args;
    const hash = messageHash({ destination, source: BigInt(source), nonce: messageNonce, sender, target, message });
    const gasLimit = gasLimits.get(hash);
    if (gasLimit === undefined) throw new Error(`Message ${hash} was sent without its MessageGasLimit event`);
    return [{ destination, source: BigInt(source), nonce: messageNonce, sender, target, message, gasLimit, hash }];
  });
}

type MessengerAbi = ReturnType<typeof artifact<"L2ToL2CrossDomainMessenger">>["abi"];

/**
 * The messenger's two events a sent message emits: parsing receipts
 * against these alone spares hashing every event signature of the ABI for
 * every receipt.
 */
function sentMessageEvents(abi: MessengerAbi) {
  return [getAbiItem({ abi, name: "SentMessage" }), getAbiItem({ abi, name: "MessageGasLimit" })] as const;
}

let sentMessageEventsAbi: ReturnType<typeof sentMessageEvents> | undefined;

function messageEvents(): ReturnType<typeof sentMessageEvents> {
  sentMessageEventsAbi ??= sentMessageEvents(artifact("L2ToL2CrossDomainMessenger").abi);
  return sentMessageEventsAbi;
}

/** The Superchain interop message hash (`Hashing.hashL2toL2CrossDomainMessage`). */
export function messageHash(message: Omit<CrossDomainMessage, "hash" | "gasLimit">): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "address" }, { type: "address" }, { type: "bytes" }],
      [message.destination, message.source, message.nonce, message.sender, message.target, message.message],
    ),
  );
}

/**
 * What the sequencer signs for a relay: `keccak256(abi.encode(messageHash,
 * gasLimit))`. The gas limit is not part of the (Superchain) message hash,
 * but whether the action succeeds depends on it, so the messenger takes a
 * relay only with the gas limit the sequencer signed. Pure.
 */
export function relayHash(messageHash: Hex, gasLimit: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [messageHash, gasLimit]));
}

/**
 * Gas of a relay transaction beyond the action's own gas limit: intrinsic
 * gas, the signature check, replay protection and the rolling hash, with a
 * margin (measured in the benchmark's gas report).
 */
const RELAY_OVERHEAD_GAS = 200_000n;

/**
 * Gas limit of an `addChain` transaction: intrinsic gas, a cold storage
 * write and the event take about 50,000; the rest is margin.
 */
const ADD_CHAIN_GAS = 100_000n;

/** EIP-7623: intrinsic gas of every transaction. */
const TX_BASE_GAS = 21_000n;
/** EIP-7623: floor gas per calldata token (a zero byte is one token, any other byte four). */
const FLOOR_GAS_PER_TOKEN = 10n;

/**
 * Gas limit of a relay transaction with calldata `data` whose action gets
 * `messageGasLimit`: the execution estimate (overhead, the gas limit and
 * its 1/64 kept by EIP-150, 16 per calldata byte), but never under the
 * EIP-7623 calldata floor `21000 + 10 * tokens`, which a node enforces on
 * the limit and which dominates for large messages (a 120 kB message needs
 * about 4.8 M). Pure.
 */
export function relayGasLimit(data: Hex, messageGasLimit: bigint): bigint {
  const bytes = hexToBytes(data);
  const zeroBytes = BigInt(bytes.filter((byte) => byte === 0).length);
  const tokens = zeroBytes + 4n * (BigInt(bytes.length) - zeroBytes);
  const execution = RELAY_OVERHEAD_GAS + (messageGasLimit * 64n) / 63n + BigInt(bytes.length) * 16n;
  const floor = TX_BASE_GAS + FLOOR_GAS_PER_TOKEN * tokens;
  return execution > floor ? execution : floor;
}

/** Where a relay goes into its destination's next block: what the sequencer reads from that rollup before signing. */
export interface RelayTerms {
  /** The sequencer's nonce on the destination for this relay. */
  nonce: number;
  /** Base fee of the destination's latest block: the relay pays up to twice it. */
  baseFeePerGas: bigint;
}

/** Builds the sequencer's own transactions to a rollup's messenger: the relay transaction (the action) of a message, and the announcement of an added rollup. */
export interface RelayBuilder {
  /** The sequencer's address, which sends every relay. */
  readonly address: Address;
  /** Signs the relay of `message` for its destination rollup. Pure apart from the key. */
  relayTransaction(message: CrossDomainMessage, terms: RelayTerms): SequencedTransaction & { data: Hex };
  /** Signs `addChain(added)` for rollup `chainId`'s messenger: rollup `added` joined the devnet. Pure apart from the key. */
  addChainTransaction(chainId: number, added: number, terms: RelayTerms): SequencedTransaction & { data: Hex };
}

/** The terms of the next relay to `destination`: the sequencer's nonce there and the latest base fee. */
export async function nextRelayTerms(destination: RollupEngine, sequencer: Address): Promise<RelayTerms> {
  const [nonce, latest] = await Promise.all([destination.nonceOf(sequencer), destination.latestBlock()]);
  return { nonce, baseFeePerGas: latest.baseFeePerGas };
}

/** The sequencer's key: relays are sent from its address and signed by it. */
export interface SequencerKey {
  address: Address;
  privateKey: Hex;
}

/**
 * Builds the relay transactions (the actions) of the shared sequencer: each
 * carries the sequencer's signature over the message hash, which the
 * destination's messenger checks, and is signed by the sequencer's key.
 */
export class Relayer implements RelayBuilder {
  readonly #account: SequencerKey;

  constructor(account: SequencerKey) {
    this.#account = account;
  }

  /** The sequencer's address, which sends every relay. */
  get address(): Address {
    return this.#account.address;
  }

  /** Signs the relay of `message` for its destination rollup. */
  relayTransaction(message: CrossDomainMessage, terms: RelayTerms): SequencedTransaction & { data: Hex } {
    const { abi } = artifact("L2ToL2CrossDomainMessenger");
    // The messenger checks an EIP-191 signature of the relay hash by the sequencer.
    const signature = signHash(hashMessage({ raw: relayHash(message.hash, message.gasLimit) }), this.#account.privateKey);
    const { hash: _hash, ...fields } = message;
    const data = encodeFunctionData({
      abi,
      functionName: "relayMessage",
      args: [fields, 27 + signature.yParity, signature.r, signature.s],
    });
    return this.#messengerTransaction(Number(message.destination), data, relayGasLimit(data, message.gasLimit), terms);
  }

  /** Signs `addChain(added)` for rollup `chainId`'s messenger. */
  addChainTransaction(chainId: number, added: number, terms: RelayTerms): SequencedTransaction & { data: Hex } {
    const { abi } = artifact("L2ToL2CrossDomainMessenger");
    const data = encodeFunctionData({ abi, functionName: "addChain", args: [BigInt(added)] });
    return this.#messengerTransaction(chainId, data, ADD_CHAIN_GAS, terms);
  }

  /** A transaction of the sequencer's to the messenger of rollup `chainId`, paying up to twice the latest base fee and no tip. */
  #messengerTransaction(chainId: number, data: Hex, gas: bigint, { nonce, baseFeePerGas }: RelayTerms): SequencedTransaction & { data: Hex } {
    const maxFeePerGas = 2n * baseFeePerGas + 1n;
    const transaction: TransactionSerializableEIP1559 = {
      type: "eip1559",
      chainId,
      nonce,
      to: MESSENGER_ADDRESS,
      data,
      gas,
      maxFeePerGas,
      maxPriorityFeePerGas: 0n,
    };
    const raw = signTransaction(transaction, this.#account.privateKey);
    return {
      hash: keccak256(raw),
      chainId,
      from: this.address,
      to: MESSENGER_ADDRESS,
      nonce,
      raw,
      gas,
      maxFeePerGas,
      maxPriorityFeePerGas: 0n,
      arrival: -1,
      receivedAt: 0,
      data,
    };
  }
}
