import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  type CustomTransport,
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
  type WalletClient,
} from "viem";
import { sharedInboxArtifact } from "../contracts/artifacts.ts";
import { XrollupError } from "../errors/base.ts";
import type { RollupHead } from "./batch/builder.ts";
import type { CertifiedBatch, EquivocationEvidence, EquivocationProver } from "./committee/committee.ts";
import type { ForcedEntry } from "./forced.ts";
import type { InboxHead, L1Port, PostedOnL1 } from "./ports.ts";
import type { SequencerKey } from "./relayer.ts";
import { signTransaction } from "./secp256k1.ts";

/**
 * Where the inbox lands when the first sequencer's key (the committee's
 * first member) deploys it as its first L1 transaction, as every devnet
 * does: tools can find it without a manifest.
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

/** What the inbox is deployed with. */
export interface InboxDeployment {
  /** The sequencer committee, in rotation order. */
  members: readonly Address[];
  genesisTimestamp: number;
  /** L1 blocks a forced transaction may wait before batches must process it. */
  forceInclusionDelay: number;
  rollups: readonly RollupGenesis[];
}

/**
 * Deploys the `SharedInbox` on L1 from the first sequencer's account,
 * registering the committee and the rollups' genesis heads. Returns the
 * inbox address.
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
  parameters: InboxDeployment,
): Promise<Address> {
  const { abi, bytecode } = sharedInboxArtifact();
  const data = encodeDeployData({
    abi,
    bytecode,
    args: [
      parameters.members,
      BigInt(parameters.genesisTimestamp),
      BigInt(parameters.forceInclusionDelay),
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

/**
 * The {@link L1Port} over L1's JSON-RPC: posts certified batches from the
 * poster's account (any committee member's), proves equivocations, and
 * reads the inbox.
 */
export class BatchPoster implements L1Port, EquivocationProver {
  readonly #wallets: Map<string, WalletClient<CustomTransport, undefined, Account>>;
  readonly #reader;
  readonly #inbox: Address;

  /** `members` are the committee's L1 accounts: whichever posts or proves sends from its own. */
  constructor(l1: EIP1193Provider, members: readonly Account[], inbox: Address) {
    const transport = custom(l1);
    this.#wallets = new Map(members.map((account) => [account.address.toLowerCase(), createWalletClient({ account, transport })]));
    this.#reader = createPublicClient({ transport: custom(l1) });
    this.#inbox = inbox;
  }

  #wallet(from: Address) {
    const wallet = this.#wallets.get(from.toLowerCase());
    if (wallet === undefined) throw new XrollupError(`${from} is not a member of the sequencer committee: it has no L1 account here.`);
    return wallet;
  }

  /**
   * Submits a certified batch from its poster's account (with
   * `submitBatchRegistering` when it registers rollups) and returns its L1
   * transaction hash once it is mined.
   *
   * @throws {BatchRejectedError} when the inbox reverts or computes another batch hash.
   */
  async postBatch(batch: CertifiedBatch): Promise<Hex> {
    const { abi } = sharedInboxArtifact();
    const wallet = this.#wallet(batch.poster);
    const contract = { address: this.#inbox, abi, chain: null } as const;
    const args = [batch.header, batch.commitments, batch.data, batch.certificate] as const;
    let l1TxHash: Hex;
    try {
      l1TxHash =
        batch.registrations === undefined
          ? await wallet.writeContract({ ...contract, functionName: "submitBatch", args })
          : await wallet.writeContract({ ...contract, functionName: "submitBatchRegistering", args: [...args, batch.registrations] });
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

  async batchTransaction(number: number): Promise<PostedOnL1 | undefined> {
    const { abi } = sharedInboxArtifact();
    const [log] = await this.#reader.getContractEvents({
      address: this.#inbox,
      abi,
      eventName: "BatchCertified",
      args: { number: BigInt(number) },
      fromBlock: 0n,
    });
    if (log?.transactionHash == null || log.args.viewNumber === undefined) return undefined;
    return { l1TxHash: log.transactionHash, viewNumber: Number(log.args.viewNumber) };
  }

  async forcedQueue(from: number): Promise<ForcedEntry[]> {
    const { abi } = sharedInboxArtifact();
    const contract = { address: this.#inbox, abi } as const;
    const length = Number(await this.#reader.readContract({ ...contract, functionName: "forcedQueueLength" }));
    const indexes = Array.from({ length: Math.max(0, length - from) }, (_, offset) => from + offset);
    return Promise.all(
      indexes.map(async (index): Promise<ForcedEntry> => {
        const [chainId, deadline, txHash, signedTx] = await this.#reader.readContract({ ...contract, functionName: "forcedTransaction", args: [BigInt(index)] });
        return { index, chainId: Number(chainId), deadline: Number(deadline), txHash, signedTx };
      }),
    );
  }

  committeeMembers(): Promise<Address[]> {
    const { abi } = sharedInboxArtifact();
    return this.#reader.readContract({ address: this.#inbox, abi, functionName: "members" }).then((members) => [...members]);
  }

  /**
   * Sends `SharedInbox.proveEquivocation` from member `from` and resolves
   * once L1 removed the equivocating member.
   *
   * @throws {XrollupError} when the inbox refuses the proof.
   */
  async proveEquivocation({ member, a, b }: EquivocationEvidence, from: Address): Promise<Hex> {
    const { abi } = sharedInboxArtifact();
    const hash = await this.#wallet(from).writeContract({
      address: this.#inbox,
      abi,
      chain: null,
      functionName: "proveEquivocation",
      args: [a.proposal, a.signature, b.proposal, b.signature],
    });
    const receipt = await this.#reader.getTransactionReceipt({ hash });
    const [removed] = parseEventLogs({ abi, logs: receipt.logs, eventName: "MemberRemoved" });
    if (receipt.status !== "success" || removed === undefined) {
      throw new XrollupError(`The L1 inbox did not remove ${member} for equivocating.`, { details: [`L1 transaction: ${hash}`] });
    }
    return hash;
  }
}
