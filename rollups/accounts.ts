import { createHmac, pbkdf2Sync } from "node:crypto";
import secp256k1 from "secp256k1";
import { type Address, type Hex, bytesToHex, getAddress, keccak256 } from "viem";

/** Hardhat's and anvil's well-known development mnemonic. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** How many development accounts every chain prefunds, as Hardhat does. */
export const DEV_ACCOUNT_COUNT = 20;

/** Balance of each development account: 10,000 ETH, as Hardhat does. */
export const DEV_ACCOUNT_BALANCE = 10_000n * 10n ** 18n;

/**
 * HD index of the shared sequencer's key. It is the next index after the
 * development accounts, so the sequencer never shares a nonce with a user.
 */
export const SEQUENCER_ACCOUNT_INDEX = DEV_ACCOUNT_COUNT;

/** A development account: its address and private key. */
export interface DevAccount {
  address: Address;
  privateKey: Hex;
}

/** A BIP-32 extended private key. */
interface HdNode {
  privateKey: Uint8Array;
  chainCode: Uint8Array;
}

/** BIP-32's offset of hardened child indices. */
const HARDENED = 0x8000_0000;

/** Child key derivation (BIP-32 CKDpriv), with libsecp256k1 and node:crypto. */
function childNode({ privateKey, chainCode }: HdNode, index: number): HdNode {
  const data = new Uint8Array(37);
  if (index >= HARDENED) data.set(privateKey, 1);
  else data.set(secp256k1.publicKeyCreate(privateKey, true), 0);
  new DataView(data.buffer).setUint32(33, index);
  const digest = createHmac("sha512", chainCode).update(data).digest();
  return { privateKey: secp256k1.privateKeyTweakAdd(Uint8Array.from(privateKey), digest.subarray(0, 32)), chainCode: digest.subarray(32) };
}

let accountNode: HdNode | undefined;

/**
 * The node at Ethereum's account path m/44'/60'/0'/0 of {@link DEV_MNEMONIC}
 * (BIP-39 seed, BIP-32 derivation), computed once: the seed alone is 2,048
 * rounds of HMAC-SHA512, which viem's pure-JS `mnemonicToAccount` repeated
 * for every account (about 20 ms each, 450 ms of every devnet start).
 */
function devAccountNode(): HdNode {
  if (accountNode === undefined) {
    const seed = pbkdf2Sync(DEV_MNEMONIC.normalize("NFKD"), "mnemonic", 2048, 64, "sha512");
    const master = createHmac("sha512", "Bitcoin seed").update(seed).digest();
    let node: HdNode = { privateKey: master.subarray(0, 32), chainCode: master.subarray(32) };
    for (const index of [44 + HARDENED, 60 + HARDENED, HARDENED, 0]) node = childNode(node, index);
    accountNode = node;
  }
  return accountNode;
}

function accountAt(addressIndex: number): DevAccount {
  const { privateKey } = childNode(devAccountNode(), addressIndex);
  const publicKey = secp256k1.publicKeyCreate(privateKey, false);
  return { address: getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`), privateKey: bytesToHex(privateKey) };
}

let devAccountsCache: readonly DevAccount[] | undefined;

/**
 * The prefunded development accounts, the same on every chain of the devnet
 * and the same as `hardhat node`'s defaults.
 */
export function devAccounts(): readonly DevAccount[] {
  devAccountsCache ??= Array.from({ length: DEV_ACCOUNT_COUNT }, (_, index) => accountAt(index));
  return devAccountsCache;
}

/** The shared sequencer's default key (HD index {@link SEQUENCER_ACCOUNT_INDEX}): the first committee member's. */
export function defaultSequencerAccount(): DevAccount {
  return accountAt(SEQUENCER_ACCOUNT_INDEX);
}

/** The keys of a sequencer committee of `count` members: HD indexes 20, 21, … of {@link DEV_MNEMONIC}, in rotation order. */
export function sequencerAccounts(count: number): DevAccount[] {
  return Array.from({ length: count }, (_, member) => accountAt(SEQUENCER_ACCOUNT_INDEX + member));
}
