import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { type Abi, type AbiFunction, type Hex, toFunctionSelector } from "viem";
import { formatAbiItem } from "viem/utils";
import { XrollupError } from "../errors/base.ts";
import { allContractErrors, artifact } from "./artifacts.ts";

/** A custom error of an ABI. */
export type AbiError = Extract<Abi[number], { type: "error" }>;

/**
 * Every ABI a devnet knows, looked up by 4-byte selector: what decodes
 * revert data and names the functions of a trace.
 */
export interface KnownAbis {
  /** The error whose selector is `selector` (lowercase 0x-hex), or `undefined`. */
  error(selector: Hex): AbiError | undefined;
  /** The function whose selector is `selector` (lowercase 0x-hex), or `undefined`. */
  function(selector: Hex): AbiFunction | undefined;
}

/** Solidity's own errors: `require(cond, "…")` and `assert`/overflow panics. */
const BUILTIN_ERRORS: readonly AbiError[] = [
  { type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] },
  { type: "error", name: "Panic", inputs: [{ name: "code", type: "uint256" }] },
];

/** The shortest time between two looks at the artifacts directory for an unknown error, in ms. */
export const ARTIFACTS_RECHECK_MS = 500;

/** What one artifact file gave, and the stamp (mtime and size) it had when read. */
interface ReadArtifact {
  stamp: string;
  errors: AbiError[];
  functions: AbiFunction[];
}

/** Thrown when the artifacts directory given with `--artifacts` cannot be read. */
export class ArtifactsDirError extends XrollupError {
  override name = "ArtifactsDirError";
  constructor({ dir, cause }: { dir: string; cause: unknown }) {
    super(`Cannot read the artifacts directory ${dir}: ${cause instanceof Error ? cause.message : String(cause)}.`, {
      details: ["Give the artifacts directory of a compiled Hardhat project (`npx hardhat build` writes it)."],
      cause,
    });
  }
}

/**
 * The ABIs a devnet decodes with: Solidity's `Error` and `Panic`, every
 * custom error of xrollup's contracts, the messenger's functions, and, when
 * given a Hardhat project's artifacts directory (`--artifacts DIR`), every
 * error and function of every artifact under it (`X.sol/X.json`, read
 * recursively; `build-info/` and `*.dbg.json` are skipped).
 *
 * The directory is read when the registry is made. A developer recompiles
 * while the devnet runs, so an error selector it does not know makes it look
 * again: it compares each file's modification time and size with what it
 * read, and parses only the files that changed (a stat per file, about a
 * millisecond for a hundred artifacts). It looks at most once every
 * {@link ARTIFACTS_RECHECK_MS}, so that a slot of many failures with an
 * error no artifact has costs one look, not one per failure.
 *
 * @example
 * ```ts
 * const abis = new AbiRegistry({ artifacts: "my-project/artifacts" });
 * abis.error("0x08c379a0")?.name; // "Error"
 * ```
 */
export class AbiRegistry implements KnownAbis {
  readonly #dir: string | undefined;
  readonly #files = new Map<string, ReadArtifact>();
  #errors = new Map<Hex, AbiError>();
  #functions = new Map<Hex, AbiFunction>();
  readonly #now: () => number;
  /** When the directory was last read, by {@link #now}. */
  #readAt = -Infinity;
  /** Whether xrollup's own ABIs are in the maps: they are loaded on first use, as compiled artifacts are read lazily everywhere. */
  #loaded = false;

  /**
   * @param options.artifacts a Hardhat project's artifacts directory, whose ABIs are added to xrollup's own.
   * @param options.now the clock that spaces the looks at the directory, in ms (tests drive it); default `performance.now`.
   * @throws {ArtifactsDirError} when the directory cannot be read.
   */
  constructor({ artifacts, now = () => performance.now() }: { artifacts?: string | undefined; now?: () => number } = {}) {
    this.#dir = artifacts;
    this.#now = now;
    if (artifacts !== undefined) this.#readDir();
  }

  error(selector: Hex): AbiError | undefined {
    if (!this.#loaded) this.#rebuild();
    const found = this.#errors.get(selector);
    if (found !== undefined || this.#dir === undefined || this.#now() - this.#readAt < ARTIFACTS_RECHECK_MS) return found;
    // Unknown: the project may have been recompiled since the last read.
    return this.#readDir() ? this.#errors.get(selector) : undefined;
  }

  /** Function names only dress a trace up: a miss reads nothing again (see the class comment). */
  function(selector: Hex): AbiFunction | undefined {
    if (!this.#loaded) this.#rebuild();
    return this.#functions.get(selector);
  }

  /** Reads the artifacts that changed since the last read; `true` if any did (then the maps are rebuilt). */
  #readDir(): boolean {
    const dir = this.#dir!;
    this.#readAt = this.#now();
    let paths: string[];
    try {
      paths = artifactFiles(dir);
    } catch (cause) {
      throw new ArtifactsDirError({ dir, cause });
    }
    let changed = paths.length !== this.#files.size;
    const seen = new Set(paths);
    for (const file of [...this.#files.keys()]) if (!seen.has(file)) this.#files.delete(file);
    for (const file of paths) {
      const stamp = fileStamp(file);
      if (stamp === undefined || this.#files.get(file)?.stamp === stamp) continue;
      this.#files.set(file, { stamp, ...readArtifactAbi(file) });
      changed = true;
    }
    if (changed || !this.#loaded) this.#rebuild();
    return changed;
  }

  /** Builds the maps: Solidity's errors first, then xrollup's, then the project's; the first of equal selectors stays. */
  #rebuild(): void {
    const errors = [...BUILTIN_ERRORS, ...(allContractErrors() as readonly AbiError[])];
    const functions = (artifact("L2ToL2CrossDomainMessenger").abi as Abi).filter((item): item is AbiFunction => item.type === "function");
    for (const read of this.#files.values()) {
      errors.push(...read.errors);
      functions.push(...read.functions);
    }
    this.#errors = bySelector(errors);
    this.#functions = bySelector(functions);
    this.#loaded = true;
  }
}

let xrollupOnly: AbiRegistry | undefined;

/** xrollup's own ABIs alone (no `--artifacts`): the default of everything that decodes. */
export function xrollupAbis(): KnownAbis {
  xrollupOnly ??= new AbiRegistry();
  return xrollupOnly;
}

function bySelector<T extends AbiError | AbiFunction>(items: readonly T[]): Map<Hex, T> {
  const map = new Map<Hex, T>();
  for (const item of items) {
    const selector = toFunctionSelector(formatAbiItem(item)) as Hex;
    if (!map.has(selector)) map.set(selector, item);
  }
  return map;
}

/** Every `*.json` file under `dir` that may be an artifact, in a stable order. */
function artifactFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    const entries: Dirent[] = readdirSync(current, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        // Build infos hold every compiler input and output: large, and never an artifact.
        if (entry.name !== "build-info") walk(full);
      } else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) {
        files.push(full);
      }
    }
  };
  walk(dir);
  return files;
}

/** A file's modification time and size, or `undefined` if it went away meanwhile. */
function fileStamp(file: string): string | undefined {
  try {
    const stats = statSync(file);
    return `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return undefined;
  }
}

/**
 * The errors and functions of an artifact's `abi`. A file that is not an
 * artifact (or is being written by a compiler right now) gives nothing; the
 * next unknown selector reads it again.
 */
function readArtifactAbi(file: string): { errors: AbiError[]; functions: AbiFunction[] } {
  let abi: unknown;
  try {
    abi = (JSON.parse(readFileSync(file, "utf8")) as { abi?: unknown }).abi;
  } catch {
    return { errors: [], functions: [] };
  }
  if (!Array.isArray(abi)) return { errors: [], functions: [] };
  const items = abi.filter((item): item is AbiError | AbiFunction => isAbiItem(item, "error") || isAbiItem(item, "function"));
  return {
    errors: items.filter((item): item is AbiError => item.type === "error"),
    functions: items.filter((item): item is AbiFunction => item.type === "function"),
  };
}

/** Whether a JSON value is an ABI item of `type` that can be formatted into a selector. */
function isAbiItem(item: unknown, type: "error" | "function"): boolean {
  if (typeof item !== "object" || item === null) return false;
  const { type: itemType, name, inputs } = item as { type?: unknown; name?: unknown; inputs?: unknown };
  if (itemType !== type || typeof name !== "string" || !Array.isArray(inputs)) return false;
  try {
    formatAbiItem(item as AbiError);
    return true;
  } catch {
    return false;
  }
}
