import { type Address, type Hex, isAddress, type TransactionSerializable } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import { UnknownAccountError } from "../sequencer/errors.ts";
import { impersonatedTransaction } from "../sequencer/intake.ts";
import type { DevAccount } from "./accounts.ts";
import type { Chain } from "./chain.ts";

/** An `eth_sendTransaction` request object, as clients send it. */
interface TransactionRequest {
  from?: unknown;
  to?: unknown;
  data?: unknown;
  input?: unknown;
  value?: unknown;
  gas?: unknown;
  gasPrice?: unknown;
  maxFeePerGas?: unknown;
  maxPriorityFeePerGas?: unknown;
  nonce?: unknown;
}

/** Thrown for an `eth_sendTransaction` request that is not well formed. */
export class InvalidTransactionRequestError extends XrollupError {
  override name = "InvalidTransactionRequestError";
  constructor({ reason }: { reason: string }) {
    super(`Invalid transaction request: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Accounts a rollup impersonates (`hardhat_impersonateAccount`), and where their transactions go. */
export interface Impersonation {
  isImpersonated(address: Address): boolean;
  /** Submits a transaction carrying the impersonation signature (see `impersonatedTransaction` in `sequencer/intake.ts`). */
  submit(raw: Hex): Promise<Hex>;
}

/** Default priority fee, as Hardhat's `eth_maxPriorityFeePerGas`. */
const DEFAULT_PRIORITY_FEE = 1_000_000_000n;

/**
 * Signs `eth_sendTransaction` requests for the development accounts, so that
 * every transaction reaching the sequencer is a signed one that derivation
 * can replay; a request from an impersonated account gets EDR's
 * impersonation signature instead, which derivation replays impersonated.
 * Fills what the request leaves out (nonce, gas, fees) the way Hardhat does.
 */
export class DevSigner {
  readonly #keys: ReadonlyMap<string, Hex>;
  /** Signing accounts, made on first use: each costs a point multiplication in pure JS. */
  readonly #accounts = new Map<string, PrivateKeyAccount>();
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(accounts: readonly DevAccount[]) {
    this.#keys = new Map(accounts.map((account) => [account.address.toLowerCase(), account.privateKey]));
  }

  #account(address: string): PrivateKeyAccount | undefined {
    const key = this.#keys.get(address);
    if (key === undefined) return undefined;
    let account = this.#accounts.get(address);
    if (account === undefined) this.#accounts.set(address, (account = privateKeyToAccount(key)));
    return account;
  }

  /**
   * How a filled transaction from `from` is sent: signed with its key, or
   * with the impersonation signature when `impersonation` impersonates it.
   *
   * @throws {UnknownAccountError} for an account that is neither.
   */
  #sender(from: Address, submit: (raw: Hex) => Promise<Hex>, impersonation: Impersonation | undefined) {
    const account = this.#account(from.toLowerCase());
    if (account !== undefined) return async (transaction: TransactionSerializable) => submit(await account.signTransaction(transaction));
    if (impersonation?.isImpersonated(from) === true) {
      return (transaction: TransactionSerializable) => impersonation.submit(impersonatedTransaction(transaction, from));
    }
    throw new UnknownAccountError({ from });
  }

  /**
   * Signs the request for `chain`. `pendingNonce` gives the sender's next
   * nonce counting the sequencer's pending transactions. Requests from one
   * account are signed one at a time, so concurrent ones get distinct nonces;
   * `submit` runs inside that lock. A request from an account `impersonation`
   * impersonates (and the devnet holds no key for) goes to its `submit`.
   */
  async signAndSubmit(
    chain: Chain,
    request: unknown,
    pendingNonce: (address: Address) => Promise<number>,
    submit: (raw: Hex) => Promise<Hex>,
    impersonation?: Impersonation,
  ): Promise<Hex> {
    const fields = parseRequest(request);
    const send = this.#sender(fields.from, submit, impersonation);
    const lock = fields.from.toLowerCase();
    const previous = this.#locks.get(lock) ?? Promise.resolve();
    const signed = previous.catch(() => undefined).then(async () => send(await fillTransaction(chain, fields, pendingNonce)));
    // Hold the lock only until the sequencer has accepted (not included) the transaction.
    this.#locks.set(lock, signed.catch(() => undefined));
    return signed;
  }
}

interface ParsedRequest {
  from: Address;
  to?: Address;
  data?: Hex;
  value?: bigint;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  nonce?: number;
}

function parseRequest(request: unknown): ParsedRequest {
  if (typeof request !== "object" || request === null) {
    throw new InvalidTransactionRequestError({ reason: "expected a transaction object as the first parameter" });
  }
  const r = request as TransactionRequest;
  if (typeof r.from !== "string" || !isAddress(r.from, { strict: false })) {
    throw new InvalidTransactionRequestError({ reason: "`from` must be an address" });
  }
  if (r.to !== undefined && r.to !== null && (typeof r.to !== "string" || !isAddress(r.to, { strict: false }))) {
    throw new InvalidTransactionRequestError({ reason: "`to` must be an address" });
  }
  const data = r.data ?? r.input;
  if (data !== undefined && (typeof data !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(data))) {
    throw new InvalidTransactionRequestError({ reason: "`data` must be 0x-prefixed hex bytes" });
  }
  const nonce = quantity(r.nonce, "nonce");
  return {
    from: r.from,
    ...(typeof r.to === "string" ? { to: r.to as Address } : {}),
    ...(data !== undefined ? { data: data as Hex } : {}),
    ...optional("value", quantity(r.value, "value")),
    ...optional("gas", quantity(r.gas, "gas")),
    ...optional("gasPrice", quantity(r.gasPrice, "gasPrice")),
    ...optional("maxFeePerGas", quantity(r.maxFeePerGas, "maxFeePerGas")),
    ...optional("maxPriorityFeePerGas", quantity(r.maxPriorityFeePerGas, "maxPriorityFeePerGas")),
    ...(nonce !== undefined ? { nonce: Number(nonce) } : {}),
  };
}

function optional<K extends string>(key: K, value: bigint | undefined): { [P in K]?: bigint } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: bigint };
}

function quantity(value: unknown, field: string): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new InvalidTransactionRequestError({ reason: `\`${field}\` must be a 0x-prefixed hex quantity` });
  }
  return BigInt(value);
}

async function fillTransaction(
  chain: Chain,
  fields: ParsedRequest,
  pendingNonce: (address: Address) => Promise<number>,
): Promise<TransactionSerializable> {
  const { provider } = chain;
  const nonce = fields.nonce ?? (await pendingNonce(fields.from));
  const gas =
    fields.gas ??
    BigInt(
      (await provider.request({
        method: "eth_estimateGas",
        params: [{ from: fields.from, to: fields.to, data: fields.data, value: hex(fields.value) }, "latest"],
      })) as string,
    );
  const base = { chainId: chain.spec.chainId, nonce, gas, to: fields.to, data: fields.data, value: fields.value };
  if (fields.gasPrice !== undefined) return { ...base, type: "legacy", gasPrice: fields.gasPrice };
  const latest = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    baseFeePerGas: Hex;
  };
  const maxPriorityFeePerGas = fields.maxPriorityFeePerGas ?? DEFAULT_PRIORITY_FEE;
  const maxFeePerGas = fields.maxFeePerGas ?? 2n * BigInt(latest.baseFeePerGas) + maxPriorityFeePerGas;
  return { ...base, type: "eip1559", maxFeePerGas, maxPriorityFeePerGas };
}

function hex(value: bigint | undefined): Hex | undefined {
  return value === undefined ? undefined : `0x${value.toString(16)}`;
}
