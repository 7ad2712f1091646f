import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  custom,
  type EIP1193Provider,
  encodeDeployData,
  getAddress,
  getContractAddress,
  type Hex,
  hexToBigInt,
  hexToNumber,
  parseEventLogs,
  type TransactionSerializableEIP1559,
} from "viem";
import { sharedInboxArtifact } from "../contracts/artifacts.ts";
import { XrollupError } from "../errors/base.ts";
import type { Batch, RollupHead } from "./batch/builder.ts";
import type { InboxHead, L1Port } from "./ports.ts";
import type { SequencerKey } from "./relayer.ts";
import { signTransaction } from "./secp256k1.ts";

/**
 * Where the inbox lands when the sequencer's key deploys it as its first L1
 * transaction, as every devnet does: tools can find it without a manifest.
 */
export function inboxAddressOf(sequencer: Address): Address {
  return getContractAddress({ from: sequencer, nonce: 0n });
}

/** A rollup as the inbox registers it at deployment. */
export interface RollupGenesis {
  chainId: number;
  head: RollupHead;
}

/** Thrown when the L1 inbox does not accept a batch. */
export class BatchRejectedError extends XrollupError {
  override name = "BatchRejectedError";
  constructor({ number, l1TxHash, cause }: { number: bigint; l1TxHash?: Hex; cause?: unknown }) {
    super(`The L1 inbox rejected batch ${number}.`, {
      details: l1TxHash === undefined ? [] : [`L1 transaction: ${l1TxHash}`],
      cause,
    });
  }
}

function clients(l1: EIP1193Provider, account: Account) {
  const transport = custom(l1);
  return {
    wallet: createWalletClient({ account, transport }),
    public: createPublicClient({ transport }),
  };
}

/**
 * Deploys the `SharedInbox` on L1 from the sequencer's account, registering
 * the rollups' genesis heads. Returns the inbox address.
 *
 * It asks L1 for what the transaction needs all at once and signs with
 * libsecp256k1: a devnet's start waits on this, and viem's `deployContract`
 * (an `eth_fillTransaction` probe, then the fields one after another, then
 * pure-JS signing) took about 50 ms where this takes about 10.
 *
 * @throws {XrollupError} when L1 does not create the contract.
 */
export async function deployInbox(
  l1: EIP1193Provider,
  sequencer: SequencerKey,
  parameters: { genesisTimestamp: number; rollups: readonly RollupGenesis[] },
): Promise<Address> {
  const { abi, bytecode } = sharedInboxArtifact();
  const data = encodeDeployData({
    abi,
    bytecode,
    args: [
      sequencer.address,
      BigInt(parameters.genesisTimestamp),
      parameters.rollups.map((rollup) => BigInt(rollup.chainId)),
      parameters.rollups.map((rollup) => rollup.head.blockHash),
      parameters.rollups.map((rollup) => rollup.head.stateRoot),
    ],
  });
  const [chainId, nonce, gas, gasPrice] = await Promise.all([
    l1.request({ method: "eth_chainId" }),
    l1.request({ method: "eth_getTransactionCount", params: [sequencer.address, "pending"] }),
    l1.request({ method: "eth_estimateGas", params: [{ from: sequencer.address, data }] }),
    l1.request({ method: "eth_gasPrice" }),
  ]);
  const transaction: TransactionSerializableEIP1559 = {
    type: "eip1559",
    chainId: hexToNumber(chainId),
    nonce: hexToNumber(nonce),
    gas: hexToBigInt(gas),
    // L1's gas price covers its next base fee; the sequencer tips nothing, as its relays do.
    maxFeePerGas: hexToBigInt(gasPrice),
    maxPriorityFeePerGas: 0n,
    data,
  };
  const hash = await l1.request({ method: "eth_sendRawTransaction", params: [signTransaction(transaction, sequencer.privateKey)] });
  const receipt = await l1.request({ method: "eth_getTransactionReceipt", params: [hash] });
  if (receipt?.contractAddress == null) throw new XrollupError("Deploying the SharedInbox on L1 failed.", { details: [`L1 transaction: ${hash}`] });
  return getAddress(receipt.contractAddress);
}

/** The {@link L1Port} over L1's JSON-RPC: posts batches from the sequencer's account and reads the inbox. */
export class BatchPoster implements L1Port {
  readonly #wallet;
  readonly #reader;
  readonly #inbox: Address;

  constructor(l1: EIP1193Provider, sequencer: Account, inbox: Address) {
    const { wallet, public: reader } = clients(l1, sequencer);
    this.#wallet = wallet;
    this.#reader = reader;
    this.#inbox = inbox;
  }

  /**
   * Submits a batch and returns its L1 transaction hash once it is mined.
   *
   * @throws {BatchRejectedError} when the inbox reverts or computes another batch hash.
   */
  async postBatch(batch: Batch): Promise<Hex> {
    const { abi } = sharedInboxArtifact();
    let l1TxHash: Hex;
    try {
      l1TxHash = await this.#wallet.writeContract({
        address: this.#inbox,
        abi,
        chain: null,
        functionName: "submitBatch",
        args: [batch.header, batch.commitments, batch.data],
      });
    } catch (cause) {
      throw new BatchRejectedError({ number: batch.header.number, cause });
    }
    const receipt = await this.#reader.getTransactionReceipt({ hash: l1TxHash });
    const [submitted] = parseEventLogs({ abi, logs: receipt.logs, eventName: "BatchSubmitted" });
    if (receipt.status !== "success" || submitted?.args.batchHash !== batch.hash) {
      throw new BatchRejectedError({ number: batch.header.number, l1TxHash });
    }
    return l1TxHash;
  }

  async inboxHead(): Promise<InboxHead> {
    const { abi } = sharedInboxArtifact();
    const contract = { address: this.#inbox, abi } as const;
    const [batchCount, lastBatchHash, nextGlobalSeq] = await Promise.all([
      this.#reader.readContract({ ...contract, functionName: "batchCount" }),
      this.#reader.readContract({ ...contract, functionName: "lastBatchHash" }),
      this.#reader.readContract({ ...contract, functionName: "nextGlobalSeq" }),
    ]);
    return { batchCount: Number(batchCount), lastBatchHash, nextGlobalSeq: Number(nextGlobalSeq) };
  }

  async batchTransaction(number: number): Promise<Hex | undefined> {
    const { abi } = sharedInboxArtifact();
    const [log] = await this.#reader.getContractEvents({
      address: this.#inbox,
      abi,
      eventName: "BatchSubmitted",
      args: { number: BigInt(number) },
      fromBlock: 0n,
    });
    return log?.transactionHash ?? undefined;
  }
}
