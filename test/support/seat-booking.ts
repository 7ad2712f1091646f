import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Abi, type Address, encodeFunctionData, getContractAddress, type Hex } from "viem";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { accountAddress, devKey, signTransaction, startTestDevnet } from "./fixtures.ts";

/**
 * `contracts/test/SeatBooking.sol`: a developer's own cross-rollup app, whose
 * `SoldOut(holder, requested, available)` xrollup does not know by itself
 * (the contract is not in `contracts/artifacts.ts`): only its project's
 * artifacts, given with `--artifacts`, decode it.
 */
export const SEAT_BOOKING_ARTIFACT = path.join(PROJECT_ROOT, "artifacts", "contracts", "test", "SeatBooking.sol", "SeatBooking.json");

/** Development account that deploys SeatBooking, at its nonce 0 on every rollup. */
const DEPLOYER = 18;

/** Gas of a booking: the trigger and its message. */
const BOOKING_GAS = 300_000n;

/** SeatBooking's ABI and bytecode, as Hardhat compiled them. */
export function seatBookingArtifact(): { abi: Abi; bytecode: Hex } {
  if (!existsSync(SEAT_BOOKING_ARTIFACT)) throw new Error(`${SEAT_BOOKING_ARTIFACT} is missing: run npx hardhat build`);
  return JSON.parse(readFileSync(SEAT_BOOKING_ARTIFACT, "utf8")) as { abi: Abi; bytecode: Hex };
}

/**
 * A fresh directory laid out as a Hardhat 3 project's artifacts: the user's
 * contract as `contracts/SeatBooking.sol/SeatBooking.json`, beside the files
 * a registry must skip (a build info, a debug file, the type declarations).
 * `withSeatBooking: false` leaves the contract out, to be compiled in later.
 */
export function userArtifactsDir({ withSeatBooking = true }: { withSeatBooking?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "xrollup-artifacts-"));
  mkdirSync(path.join(dir, "build-info"));
  writeFileSync(path.join(dir, "build-info", "solc-0_8_30-0.json"), JSON.stringify({ output: { contracts: {} }, abi: "not an artifact" }));
  writeFileSync(path.join(dir, "artifacts.d.ts"), "export {};\n");
  if (withSeatBooking) addSeatBooking(dir);
  return dir;
}

/** Writes SeatBooking's artifact into an artifacts directory, as `hardhat build` would after adding it. */
export function addSeatBooking(dir: string): void {
  const folder = path.join(dir, "contracts", "SeatBooking.sol");
  mkdirSync(folder, { recursive: true });
  copyFileSync(SEAT_BOOKING_ARTIFACT, path.join(folder, "SeatBooking.json"));
  writeFileSync(path.join(folder, "SeatBooking.dbg.json"), JSON.stringify({ buildInfo: "../../build-info/solc-0_8_30-0.json" }));
}

/** Deploys SeatBooking with `seats` free at one address on every rollup of the devnet; returns the address. */
export async function deploySeatBooking(devnet: Devnet, seats: bigint): Promise<Address> {
  const { abi, bytecode } = seatBookingArtifact();
  const account = accountAddress(devnet, DEPLOYER);
  for (const rollup of devnet.rollups) await rollup.walletClient.deployContract({ abi, bytecode, account, args: [seats] });
  return getContractAddress({ from: account, nonce: 0n });
}

/** Calldata of `book(destination, seats)`. */
export function bookingData(destination: number, seats: bigint): Hex {
  return encodeFunctionData({ abi: seatBookingArtifact().abi, functionName: "book", args: [BigInt(destination), seats] });
}

/** Signs a booking from development account `from`, on rollup `source`, of `seats` on `destination`. */
export function signBooking(
  devnet: Devnet,
  { from, nonce, source, destination, seats, address }: { from: number; nonce: number; source: number; destination: number; seats: bigint; address: Address },
): Promise<Hex> {
  return signTransaction(devKey(devnet, from), { chainId: source, nonce, to: address, data: bookingData(destination, seats), gas: BOOKING_GAS });
}

/** Seats still free on a rollup. */
export function availableSeats(devnet: Devnet, chainId: number, address: Address): Promise<bigint> {
  const rollup = devnet.rollups.find((candidate) => candidate.chainId === chainId)!;
  return rollup.publicClient.readContract({ address, abi: seatBookingArtifact().abi, functionName: "available" }) as Promise<bigint>;
}

/** A devnet of two rollups with SeatBooking deployed on both, started with its project's artifacts. */
export interface BookingDevnet {
  devnet: Devnet;
  a: DevnetChain;
  b: DevnetChain;
  booking: Address;
  /** Stops the devnet and removes the artifacts directory. */
  stop(): Promise<void>;
}

/** Starts a devnet of two rollups with `--artifacts` (see {@link userArtifactsDir}) and SeatBooking, `seats` free, on both. */
export async function startBookingDevnet(seats: bigint): Promise<BookingDevnet> {
  const artifacts = userArtifactsDir();
  const devnet = await startTestDevnet({ rollups: 2, artifacts });
  const [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
  const stop = async () => {
    await devnet.stop();
    rmSync(artifacts, { recursive: true, force: true });
  };
  try {
    return { devnet, a, b, booking: await deploySeatBooking(devnet, seats), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
