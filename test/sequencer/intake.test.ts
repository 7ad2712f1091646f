import { expect } from "chai";
import {
  type Address,
  concatHex,
  type Hex,
  hexToBigInt,
  keccak256,
  parseTransaction,
  serializeTransaction,
  toFunctionSelector,
  toHex,
  toRlp,
  type TransactionSerializable,
} from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";
import { devAccounts } from "../../rollups/accounts.ts";
import { type Chain, createChain } from "../../rollups/chain.ts";
import {
  InitcodeTooLargeError,
  IntrinsicGasTooLowError,
  InvalidTransactionError,
  MalleableSignatureError,
  NonceOutOfRangeError,
  PriorityFeeAboveMaxFeeError,
  UnsupportedTransactionTypeError,
} from "../../sequencer/errors.ts";
import { callsSelector, decodeRawTransaction, MAX_INITCODE_SIZE } from "../../sequencer/intake.ts";
import { labelAddress, TEST_FEES } from "../support/fixtures.ts";

const CHAIN_ID = 901;
const KEY = devAccounts()[0]!.privateKey;
const account = privateKeyToAccount(KEY);
const to = labelAddress("intake recipient");
/** secp256k1's group order, written out here rather than taken from the code under test. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** An RLP integer: minimal big-endian bytes, empty for zero. */
function quantity(value: bigint): Hex {
  if (value === 0n) return "0x";
  const hex = value.toString(16);
  return `0x${hex.length % 2 === 0 ? hex : `0${hex}`}`;
}

interface Type2Fields {
  nonce?: bigint;
  maxPriorityFeePerGas?: bigint;
  maxFeePerGas?: bigint;
  gas?: bigint;
  to?: Address | null;
  data?: Hex;
}

/**
 * Signs EIP-1559 fields that viem refuses to serialize (a tip above the fee
 * cap, a nonce no JS number holds), by encoding the RLP by hand.
 */
async function signType2(fields: Type2Fields = {}): Promise<Hex> {
  const list = [
    quantity(BigInt(CHAIN_ID)),
    quantity(fields.nonce ?? 0n),
    quantity(fields.maxPriorityFeePerGas ?? TEST_FEES.maxPriorityFeePerGas),
    quantity(fields.maxFeePerGas ?? TEST_FEES.maxFeePerGas),
    quantity(fields.gas ?? 21_000n),
    fields.to === null ? "0x" : (fields.to ?? to),
    "0x",
    fields.data ?? "0x",
    [],
  ] as const;
  const unsigned = concatHex(["0x02", toRlp(list)]);
  const { r, s, yParity } = await sign({ hash: keccak256(unsigned), privateKey: KEY });
  return concatHex(["0x02", toRlp([...list, quantity(BigInt(yParity ?? 0)), quantity(hexToBigInt(r)), quantity(hexToBigInt(s))])]);
}

/** The same transaction with the other valid signature: s → n − s, recovery bit flipped. */
function withHighS(raw: Hex): Hex {
  const { r, s, v, yParity, ...unsigned } = parseTransaction(raw);
  const highS = toHex(N - hexToBigInt(s!), { size: 32 });
  if (yParity !== undefined && unsigned.type !== "legacy") {
    return serializeTransaction(unsigned as TransactionSerializable, { r: r!, s: highS, yParity: 1 - yParity });
  }
  // A legacy v is 27/28, or chainId * 2 + 35/36 (EIP-155): flip its parity.
  const flipped = v! % 2n === 0n ? v! - 1n : v! + 1n;
  return serializeTransaction(unsigned as TransactionSerializable, { r: r!, s: highS, v: flipped });
}

function transfer(overrides: Partial<TransactionSerializable> = {}): Promise<Hex> {
  return account.signTransaction({ chainId: CHAIN_ID, nonce: 0, gas: 21_000n, ...TEST_FEES, to, value: 1n, ...overrides } as TransactionSerializable);
}

function refusal(raw: unknown): unknown {
  try {
    decodeRawTransaction(raw);
  } catch (error) {
    return error;
  }
  throw new Error("decodeRawTransaction accepted the transaction");
}

/** Every kind of transaction the rollups run, as a wallet signs it. */
const SUPPORTED: { name: string; sign: () => Promise<Hex> }[] = [
  { name: "a legacy (EIP-155)", sign: () => account.signTransaction({ chainId: CHAIN_ID, nonce: 0, gas: 21_000n, gasPrice: TEST_FEES.maxFeePerGas, to, value: 1n }) },
  { name: "a legacy (pre-EIP-155)", sign: () => account.signTransaction({ nonce: 0, gas: 21_000n, gasPrice: TEST_FEES.maxFeePerGas, to, value: 1n } as TransactionSerializable) },
  { name: "an EIP-2930", sign: () => transfer({ type: "eip2930", gasPrice: TEST_FEES.maxFeePerGas, maxFeePerGas: undefined, maxPriorityFeePerGas: undefined, accessList: [] }) },
  { name: "an EIP-1559", sign: () => transfer() },
];

/**
 * The smallest gas limits that cover intrinsic gas and EIP-7623's floor,
 * worked out by hand (and checked against EDR below).
 */
const MINIMUM_GAS: { name: string; data: Hex; creation?: boolean; accessList?: { address: Address; storageKeys: Hex[] }[]; gas: bigint }[] = [
  { name: "a plain transfer", data: "0x", gas: 21_000n },
  // 21000 + 100 * 16 = 22600 < floor 21000 + 100 * 4 * 10 = 25000
  { name: "a call with 100 non-zero bytes (the EIP-7623 floor)", data: `0x${"01".repeat(100)}`, gas: 25_000n },
  // 21000 + 100 * 4 = 21400 < floor 21000 + 100 * 10 = 22000
  { name: "a call with 100 zero bytes (the EIP-7623 floor)", data: `0x${"00".repeat(100)}`, gas: 22_000n },
  // 21000 + 32000 + 4 + 599 * 16 + 2 * 19 words = 62626 > floor 44970
  { name: "a creation with 600 bytes of initcode", data: `0x00${"01".repeat(599)}`, creation: true, gas: 62_626n },
  // 21000 + 2400 + 2 * 1900 = 27200
  { name: "a call with an access list", data: "0x", accessList: [{ address: to, storageKeys: [toHex(0n, { size: 32 }), toHex(1n, { size: 32 })] }], gas: 27_200n },
];

function signWithGas(minimum: (typeof MINIMUM_GAS)[number], gas: bigint): Promise<Hex> {
  return account.signTransaction({
    chainId: CHAIN_ID,
    nonce: 0,
    gas,
    ...TEST_FEES,
    to: minimum.creation ? undefined : to,
    data: minimum.data,
    accessList: minimum.accessList ?? [],
    type: "eip1559",
  });
}

function signType4(): Promise<Hex> {
  return account
    .signAuthorization({ chainId: CHAIN_ID, address: labelAddress("delegate"), nonce: 1 })
    .then((authorization) => transfer({ type: "eip7702", gas: 100_000n, authorizationList: [authorization] }));
}

function signType3(): Promise<Hex> {
  return transfer({ type: "eip4844", gas: 100_000n, maxFeePerBlobGas: 1n, blobVersionedHashes: [`0x01${"00".repeat(31)}`] });
}

function signCreation(initcodeSize: number): Promise<Hex> {
  return transfer({ to: undefined, value: 0n, data: `0x${"00".repeat(initcodeSize)}`, gas: 1_000_000n });
}

describe("transaction intake", () => {
  for (const { name, sign: signIt } of SUPPORTED) {
    it(`accepts ${name} transaction and recovers its sender`, async () => {
      const decoded = decodeRawTransaction(await signIt());
      expect(decoded.from).to.equal(account.address);
      expect(decoded.to?.toLowerCase()).to.equal(to.toLowerCase());
      expect(decoded.value).to.equal(1n);
    });
  }

  it("refuses bytes that are not a transaction", () => {
    expect(refusal("0xc0ffee")).to.be.instanceOf(InvalidTransactionError);
    expect(refusal("not hex")).to.be.instanceOf(InvalidTransactionError);
  });

  describe("signatures", () => {
    const signers: { name: string; sign: () => Promise<Hex> }[] = [
      { name: "an EIP-1559", sign: () => transfer() },
      { name: "a legacy (EIP-155)", sign: SUPPORTED[0]!.sign },
      { name: "a legacy (pre-EIP-155)", sign: SUPPORTED[1]!.sign },
    ];
    for (const { name, sign: signIt } of signers) {
      it(`refuses ${name} signature with a high s (EIP-2), so it cannot take its low-s twin's nonce`, async () => {
        const raw = await signIt();
        const malleable = withHighS(raw);
        expect(malleable).to.not.equal(raw);
        const error = refusal(malleable);
        expect(error).to.be.instanceOf(MalleableSignatureError);
        expect((error as MalleableSignatureError).data).to.deep.equal({ s: toHex(N - hexToBigInt(parseTransaction(raw).s!)) });
        expect(decodeRawTransaction(raw).from).to.equal(account.address);
      });
    }
  });

  describe("transaction types", () => {
    const unsupported: { name: string; type: number; sign: () => Promise<Hex> }[] = [
      { name: "a blob (EIP-4844)", type: 3, sign: signType3 },
      { name: "a set-code (EIP-7702)", type: 4, sign: signType4 },
      { name: "an OP deposit", type: 0x7e, sign: async () => concatHex(["0x7e", toRlp([to, to, "0x01"])]) },
      { name: "an unassigned type", type: 0x05, sign: async () => concatHex(["0x05", (await transfer()).slice(4) as Hex]) },
    ];
    for (const { name, type, sign: signIt } of unsupported) {
      it(`refuses ${name} transaction, naming its type and the supported ones`, async () => {
        const error = refusal(await signIt());
        expect(error).to.be.instanceOf(UnsupportedTransactionTypeError);
        expect((error as UnsupportedTransactionTypeError).data).to.deep.equal({ type, supported: [0, 1, 2] });
      });
    }
  });

  describe("contract creation", () => {
    it(`accepts initcode of exactly ${MAX_INITCODE_SIZE} bytes (EIP-3860)`, async () => {
      expect(decodeRawTransaction(await signCreation(MAX_INITCODE_SIZE)).to).to.equal(undefined);
    });

    it("refuses initcode one byte over the limit, naming the size and the limit", async () => {
      const error = refusal(await signCreation(MAX_INITCODE_SIZE + 1));
      expect(error).to.be.instanceOf(InitcodeTooLargeError);
      expect((error as InitcodeTooLargeError).data).to.deep.equal({ size: 49_153, limit: 49_152 });
    });

    it("does not limit the calldata of a call", async () => {
      const raw = await transfer({ data: `0x${"00".repeat(MAX_INITCODE_SIZE + 1)}`, gas: 1_000_000n });
      expect(decodeRawTransaction(raw).to?.toLowerCase()).to.equal(to.toLowerCase());
    });
  });

  describe("intrinsic gas", () => {
    for (const minimum of MINIMUM_GAS) {
      it(`needs ${minimum.gas} gas for ${minimum.name}`, async () => {
        expect(decodeRawTransaction(await signWithGas(minimum, minimum.gas)).gas).to.equal(minimum.gas);
        const error = refusal(await signWithGas(minimum, minimum.gas - 1n));
        expect(error).to.be.instanceOf(IntrinsicGasTooLowError);
        expect((error as IntrinsicGasTooLowError).data).to.deep.equal({ gas: toHex(minimum.gas - 1n), required: toHex(minimum.gas) });
      });
    }
  });

  describe("fees and nonces", () => {
    it("refuses a priority fee above the max fee, with both", async () => {
      const error = refusal(await signType2({ maxPriorityFeePerGas: 11n, maxFeePerGas: 10n }));
      expect(error).to.be.instanceOf(PriorityFeeAboveMaxFeeError);
      expect((error as PriorityFeeAboveMaxFeeError).data).to.deep.equal({ maxPriorityFeePerGas: "0xb", maxFeePerGas: "0xa" });
    });

    it("accepts a priority fee equal to the max fee", async () => {
      expect(decodeRawTransaction(await signType2({ maxPriorityFeePerGas: 10n, maxFeePerGas: 10n })).maxPriorityFeePerGas).to.equal(10n);
    });

    it("refuses the EIP-2681 nonce 2^64 − 1, read exactly", async () => {
      const error = refusal(await signType2({ nonce: 2n ** 64n - 1n }));
      expect(error).to.be.instanceOf(NonceOutOfRangeError);
      expect((error as NonceOutOfRangeError).data).to.deep.equal({ nonce: "0xffffffffffffffff", max: toHex(Number.MAX_SAFE_INTEGER) });
    });

    it("refuses a nonce no JS number holds exactly, and accepts the largest one that does", async () => {
      expect(refusal(await signType2({ nonce: 2n ** 53n }))).to.be.instanceOf(NonceOutOfRangeError);
      expect(decodeRawTransaction(await signType2({ nonce: 2n ** 53n - 1n })).nonce).to.equal(Number.MAX_SAFE_INTEGER);
    });
  });

  describe("selector", () => {
    const relaySelector = toFunctionSelector("relayMessage(uint256,uint256,address,address,bytes)");
    it("is the first 4 bytes of a call's calldata, matched by callsSelector", async () => {
      const decoded = decodeRawTransaction(await transfer({ data: `${relaySelector}${"00".repeat(32)}`, gas: 100_000n }));
      expect(decoded.selector).to.equal(relaySelector);
      expect(callsSelector(decoded, to, relaySelector)).to.equal(true);
      expect(callsSelector(decoded, labelAddress("another contract"), relaySelector)).to.equal(false);
      expect(callsSelector(decoded, to, "0x12345678")).to.equal(false);
    });

    it("is undefined for a creation and for calldata shorter than 4 bytes", async () => {
      expect(decodeRawTransaction(await signCreation(64)).selector).to.equal(undefined);
      expect(decodeRawTransaction(await transfer({ data: "0x010203", gas: 100_000n })).selector).to.equal(undefined);
    });
  });

  describe("agrees with the rollup chain (EDR, OP Isthmus)", () => {
    let chain: Chain;

    before(async function () {
      chain = await createChain({ name: "rollup-901", chainId: CHAIN_ID, kind: "rollup", genesisTimestamp: Math.floor(Date.now() / 1000) });
    });

    after(async function () {
      await chain?.close();
    });

    /** Whether the chain takes the transaction into its pool; taken ones are dropped again. */
    async function chainAccepts(raw: Hex): Promise<boolean> {
      try {
        const hash = await chain.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
        await chain.provider.request({ method: "hardhat_dropTransaction", params: [hash] });
        return true;
      } catch {
        return false;
      }
    }

    it("accepts every supported type at its minimum gas, and refuses one gas less", async () => {
      for (const { sign: signIt } of SUPPORTED) expect(await chainAccepts(await signIt())).to.equal(true);
      for (const minimum of MINIMUM_GAS) {
        expect(await chainAccepts(await signWithGas(minimum, minimum.gas)), minimum.name).to.equal(true);
        expect(await chainAccepts(await signWithGas(minimum, minimum.gas - 1n)), minimum.name).to.equal(false);
      }
    });

    it("refuses what intake refuses: high s, blob and set-code types, a tip above the fee cap, oversized initcode", async () => {
      expect(await chainAccepts(await signCreation(MAX_INITCODE_SIZE))).to.equal(true);
      const refused = [
        withHighS(await transfer()),
        await signType3(),
        await signType4(),
        await signType2({ maxPriorityFeePerGas: 11n, maxFeePerGas: 10n }),
        await signCreation(MAX_INITCODE_SIZE + 1),
      ];
      for (const raw of refused) expect(await chainAccepts(raw)).to.equal(false);
    });
  });
});
