import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  hashMessage,
  keccak256,
  parseEventLogs,
  type RpcLog,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from "viem";
import { artifact } from "../contracts/artifacts.ts";
import type { DevAccount } from "../rollups/accounts.ts";
import type { Chain } from "../rollups/chain.ts";
import { MESSENGER_ADDRESS } from "../rollups/predeploys.ts";
import { signHash } from "./secp256k1.ts";
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
  const { abi } = artifact("L2ToL2CrossDomainMessenger");
  const fromMessenger = logs.filter((log) => log.address.toLowerCase() === MESSENGER_ADDRESS.toLowerCase());
  const events = parseEventLogs({ abi, logs: fromMessenger as RpcLog[], eventName: ["SentMessage", "MessageGasLimit"] });
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
 * Gas of a relay transaction beyond the action's own gas limit: intrinsic
 * gas, the signature check, replay protection and the rolling hash, with a
 * margin (measured in the benchmark's gas report).
 */
const RELAY_OVERHEAD_GAS = 200_000n;

/**
 * Builds the relay transactions (the actions) of the shared sequencer: each
 * carries the sequencer's signature over the message hash, which the
 * destination's messenger checks, and is signed by the sequencer's key.
 */
export class Relayer {
  readonly #account: DevAccount;

  constructor(account: DevAccount) {
    this.#account = account;
  }

  /** The sequencer's address, which sends every relay. */
  get address(): Address {
    return this.#account.address;
  }

  /** Signs the relay of `message` for its destination chain, with the sender's current nonce there. */
  async relayTransaction(destination: Chain, message: CrossDomainMessage): Promise<SequencedTransaction & { data: Hex }> {
    const { abi } = artifact("L2ToL2CrossDomainMessenger");
    // The messenger checks an EIP-191 signature of the message hash by the sequencer.
    const signature = signHash(hashMessage({ raw: message.hash }), this.#account.privateKey);
    const { hash: _hash, ...fields } = message;
    const data = encodeFunctionData({
      abi,
      functionName: "relayMessage",
      args: [fields, 27 + signature.yParity, signature.r, signature.s],
    });
    const [nonce, latest] = await Promise.all([
      destination.provider.request({ method: "eth_getTransactionCount", params: [this.address, "latest"] }),
      destination.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] }) as Promise<{ baseFeePerGas: Hex }>,
    ]);
    const gas = RELAY_OVERHEAD_GAS + (message.gasLimit * 64n) / 63n + BigInt((data.length - 2) / 2) * 16n;
    const maxFeePerGas = 2n * BigInt(latest.baseFeePerGas) + 1n;
    const transaction: TransactionSerializableEIP1559 = {
      type: "eip1559",
      chainId: destination.spec.chainId,
      nonce: Number(nonce),
      to: MESSENGER_ADDRESS,
      data,
      gas,
      maxFeePerGas,
      maxPriorityFeePerGas: 0n,
    };
    const raw = serializeTransaction(transaction, signHash(keccak256(serializeTransaction(transaction)), this.#account.privateKey));
    return {
      hash: keccak256(raw),
      chainId: destination.spec.chainId,
      from: this.address,
      to: MESSENGER_ADDRESS,
      nonce: Number(nonce),
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
