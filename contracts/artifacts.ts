import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ArtifactMap } from "hardhat/types/artifacts";
import { XrollupError } from "../errors/base.ts";

const require = createRequire(import.meta.url);

/**
 * The xrollup package's root, where package.json and artifacts/ are (and, in
 * a checkout, hardhat.config.ts, where Hardhat writes artifacts/ and cache/).
 * This module runs from the sources (`contracts/artifacts.ts`, one folder
 * down) or from the build (`dist/contracts/artifacts.js`, two folders down,
 * in an installed package): its own extension says which, without touching
 * the disk.
 */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), import.meta.url.endsWith(".ts") ? ".." : "../..");

/**
 * Whether this is a checkout of the repository, where the contracts can be
 * compiled. An installed package ships its artifacts prebuilt and neither the
 * Hardhat config nor the sources to compile them again.
 */
function isCheckout(): boolean {
  return existsSync(path.join(PROJECT_ROOT, "hardhat.config.ts"));
}

/** Thrown when the Solidity contracts have not been compiled yet, or an installed package lacks its artifacts. */
export class ContractsNotCompiledError extends XrollupError {
  override name = "ContractsNotCompiledError";
  constructor({ contract, cause }: { contract: string; cause: unknown }) {
    // The remedy is in the short message: the CLI prints only that line.
    super(
      isCheckout()
        ? `The compiled artifact of ${contract} is missing; compile the contracts first: npm run build:contracts.`
        : `The xrollup package in ${PROJECT_ROOT} lacks the compiled artifact of ${contract} (it ships prebuilt); reinstall xrollup.`,
      { cause },
    );
  }
}

/** Thrown when compiling the contracts on demand failed, or could not start. */
export class ContractsBuildFailedError extends XrollupError {
  override name = "ContractsBuildFailedError";
  constructor({
    reason,
    remedy = "run `npm run build:contracts` to see why",
    output,
    cause,
  }: { reason: string; remedy?: string; output?: string; cause?: unknown }) {
    // The short message carries the remedy: the CLI prints only that line.
    super(`${reason}; ${remedy}.`, {
      details: output === undefined || output.trim() === "" ? [] : [output.trim()],
      cause,
    });
  }
}

/** Where each contract the TypeScript side uses is compiled to, under artifacts/. */
const SOURCES = {
  SharedInbox: "contracts/l1/SharedInbox.sol",
  L2ToL2CrossDomainMessenger: "contracts/rollup/L2ToL2CrossDomainMessenger.sol",
  DemoToken: "contracts/demo/DemoToken.sol",
  BridgedToken: "contracts/demo/BridgedToken.sol",
  ConstantProductPool: "contracts/demo/ConstantProductPool.sol",
  Vault: "contracts/demo/Vault.sol",
  SwapAndDeposit: "contracts/demo/SwapAndDeposit.sol",
  BatchAuction: "contracts/sim/BatchAuction.sol",
  MessageRelayChain: "contracts/test/MessageRelayChain.sol",
  Greeter: "contracts/examples/Greeter.sol",
} as const;

/** A contract the TypeScript side loads. */
export type ContractName = keyof typeof SOURCES & keyof ArtifactMap;

/**
 * The compiled artifact of a contract, its ABI typed `as const` by the
 * declarations Hardhat generates at build time.
 *
 * @throws {ContractsNotCompiledError} when `npm run build:contracts` has not run (or an installed package lacks it).
 */
export function artifact<N extends ContractName>(name: N): ArtifactMap[N] {
  try {
    return require(artifactPath(name)) as ArtifactMap[N];
  } catch (cause) {
    throw new ContractsNotCompiledError({ contract: name, cause });
  }
}

/** The compiled L1 inbox. */
export function sharedInboxArtifact(): ArtifactMap["SharedInbox"] {
  return artifact("SharedInbox");
}

/** Every custom error of every contract above, to decode revert data whatever contract reverted. */
export function allContractErrors() {
  return (Object.keys(SOURCES) as ContractName[]).flatMap((name) =>
    artifact(name).abi.filter((item) => item.type === "error"),
  );
}

/** The file Hardhat compiles a contract's artifact to. */
function artifactPath(name: ContractName): string {
  return path.join(PROJECT_ROOT, "artifacts", SOURCES[name], `${name}.json`);
}

/**
 * Makes sure every artifact {@link artifact} reads is compiled: when one is
 * missing (a fresh clone), runs Hardhat's incremental build in the project
 * root, under this process's Node. Does nothing when they are all there, so
 * that commands do not pay the build's start-up (seconds) on every run; after
 * editing a contract, `npm run build:contracts` recompiles it.
 *
 * @param options.onCompile called once, before compiling, to say why the command waits.
 * @returns whether it compiled.
 * @throws {ContractsNotCompiledError} in an installed package without its artifacts: it never compiles.
 * @throws {ContractsBuildFailedError} when Hardhat is not installed, or the build fails or leaves an artifact missing.
 */
export async function ensureContractsBuilt({ onCompile }: { onCompile?: () => void } = {}): Promise<boolean> {
  const missing = missingArtifacts();
  if (missing.length === 0) return false;
  // An installed package has nothing to compile from: compiling would need
  // the repository's sources and its Hardhat config.
  if (!isCheckout()) throw new ContractsNotCompiledError({ contract: missing[0]!, cause: undefined });
  const hardhat = path.join(PROJECT_ROOT, "node_modules", ".bin", "hardhat");
  if (!existsSync(hardhat)) {
    throw new ContractsBuildFailedError({
      reason: `The contracts are not compiled and Hardhat is not installed (${hardhat} is missing)`,
      remedy: "run `npm ci`, then `npm run build:contracts`",
    });
  }
  onCompile?.();
  // process.execPath rather than the script's `#!/usr/bin/env node`: the node
  // first on PATH may be older than the one running xrollup.
  const child = spawn(process.execPath, [hardhat, "build", "--quiet"], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal }));
  }).catch((cause: unknown) => {
    throw new ContractsBuildFailedError({ reason: "Could not start Hardhat to compile the contracts", cause });
  });
  if (ended.code !== 0) {
    const how = ended.code === null ? `was killed by ${ended.signal}` : `exited with ${ended.code}`;
    throw new ContractsBuildFailedError({ reason: `Compiling the contracts failed (hardhat build ${how})`, output });
  }
  const stillMissing = missingArtifacts();
  if (stillMissing.length > 0) {
    throw new ContractsBuildFailedError({ reason: `Compiling the contracts left ${stillMissing.join(", ")} without an artifact`, output });
  }
  return true;
}

/** The contracts whose artifact is not on disk. */
function missingArtifacts(): ContractName[] {
  return (Object.keys(SOURCES) as ContractName[]).filter((name) => !existsSync(artifactPath(name)));
}
