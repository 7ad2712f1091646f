import { expect } from "chai";
import { concatHex, encodeAbiParameters, encodeFunctionData, type Hex, hexToBytes, keccak256, parseAbiParameters, toHex, zeroAddress } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import { relayGasLimit, relayHash } from "../../sequencer/relayer.ts";

/** `length` bytes that look random (a keccak chain), the same on every run. */
function pseudoRandomBytes(length: number): Hex {
  const words: Hex[] = [];
  let word = keccak256(toHex("xrollup relay gas"));
  for (let written = 0; written < length; written += 32) {
    words.push(word);
    word = keccak256(word);
  }
  return toHex(hexToBytes(concatHex(words)).subarray(0, length));
}

/** The relayMessage calldata of a message with body `message` and action gas `gasLimit`. */
function relayData(message: Hex, gasLimit: bigint): Hex {
  const fields = { destination: 902n, source: 901n, nonce: 0n, sender: zeroAddress, target: zeroAddress, message, gasLimit };
  const signature = [27, keccak256("0x01"), keccak256("0x02")] as const;
  return encodeFunctionData({ abi: artifact("L2ToL2CrossDomainMessenger").abi, functionName: "relayMessage", args: [fields, ...signature] });
}

/** EIP-7623's floor, written out: 21000 + 10 per token, a zero byte one token and any other byte four. */
function calldataFloor(data: Hex): bigint {
  const bytes = hexToBytes(data);
  const zeros = bytes.filter((byte) => byte === 0).length;
  return 21_000n + 10n * BigInt(zeros + 4 * (bytes.length - zeros));
}

describe("relay gas", () => {
  it("a 120 kB random message gets at least the EIP-7623 calldata floor, which its execution estimate is under", () => {
    const gasLimit = 1_000_000n;
    const data = relayData(pseudoRandomBytes(120_000), gasLimit);
    const floor = calldataFloor(data);
    // The limit the relayer used to give it: what the node refused ("gas floor of 4.8 M but got limit of 2.2 M").
    const execution = 200_000n + (gasLimit * 64n) / 63n + BigInt(hexToBytes(data).length) * 16n;
    expect(execution < floor).to.equal(true);

    expect(relayGasLimit(data, gasLimit)).to.equal(floor);
    expect(floor > 4_800_000n).to.equal(true);
  });

  const executionBound: { name: string; message: Hex; gasLimit: bigint }[] = [
    { name: "a short message", message: "0xdeadbeef", gasLimit: 300_000n },
    { name: "120 kB of zeros (one floor token per byte)", message: toHex(new Uint8Array(120_000)), gasLimit: 1_000_000n },
    { name: "a 4 kB message with a large action gas limit", message: pseudoRandomBytes(4_096), gasLimit: 10_000_000n },
  ];
  for (const { name, message, gasLimit } of executionBound) {
    it(`${name} gets its execution estimate, above the floor`, () => {
      const data = relayData(message, gasLimit);
      const execution = 200_000n + (gasLimit * 64n) / 63n + BigInt(hexToBytes(data).length) * 16n;
      expect(execution > calldataFloor(data)).to.equal(true);
      expect(relayGasLimit(data, gasLimit)).to.equal(execution);
    });
  }

  it("the relay hash is keccak256(abi.encode(messageHash, gasLimit)): the gas limit changes it", () => {
    const messageHash = keccak256(toHex("a message"));
    const expected = keccak256(encodeAbiParameters(parseAbiParameters("bytes32, uint256"), [messageHash, 500_000n]));
    expect(relayHash(messageHash, 500_000n)).to.equal(expected);
    expect(relayHash(messageHash, 500_001n)).to.not.equal(expected);
  });
});
