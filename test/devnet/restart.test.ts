import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, type Hex, keccak256 } from "viem";
import { devAccounts } from "../../rollups/accounts.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import type { EncryptedTransactionStatus } from "../../sequencer/encryption/mempool.ts";
import { encryptTransaction } from "../../sequencer/encryption/threshold.ts";
import { REASON_CODES } from "../../sequencer/reasons.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import type { SequencerStatus } from "../../sequencer/sequencer.ts";
import { createRandom, type Random } from "../../sim/random.ts";
import { type CliRun, labelAddress, rpc, rpcBatch, rpcResult, signTransaction, waitUntil, XROLLUP_BIN } from "../support/fixtures.ts";

/**
 * The `--data-dir` contract, end to end as a user meets it: the devnet runs
 * as its own process, clients load it over HTTP, and it is killed with
 * SIGKILL at a seeded instant. After a restart on the same directory, every
 * transaction a client was answered for is still known and ends included or
 * dropped with a reason; whatever a client saw (a block, a global sequence
 * number, a batch) stays true; the chains agree with the records; and
 * `xrollup verify` re-derives every rollup from L1.
 */

/** PATH with the project's Node 22 first: the system's Node cannot run Hardhat 3. */
const CHILD_ENV = { ...process.env, PATH: `${path.join(PROJECT_ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` };
const ROLLUPS = 2;
const ROUNDS = 4;
/** Development accounts that send the load (0 is left to other stories). */
const SENDERS = [1, 2, 3, 4, 5, 6];
/** Init code that reverts at once (PUSH1 0 PUSH1 0 REVERT): a creation revert protection drops. */
const REVERTING_INIT_CODE: Hex = "0x60006000fd";
/** How long a restarted devnet may take to settle what was pending. */
const SETTLE_MS = 20_000;

/** A devnet running as a child process. */
interface SpawnedDevnet {
  child: ChildProcess;
  /** Resolves with its output once it exits. */
  exited: Promise<CliRun>;
  l1: string;
  rollups: string[];
}

/** Ports a devnet listens on: L1 on `port`, rollup i on `rollupPort + i`. */
interface Ports {
  port: number;
  rollupPort: number;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** `count + 1` consecutive free ports (L1, then the rollups), so a restart can listen where the clients already point. */
async function freePorts(count: number): Promise<Ports> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count + 1 }, (_, index) => base + index);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return { port: base, rollupPort: base + 1 };
  }
  throw new Error("No free ports found");
}

/** Runs `xrollup <args>` with the project's Node; the output is collected until it exits. */
function spawnXrollup(args: readonly string[]): { child: ChildProcess; exited: Promise<CliRun> } {
  const child = spawn("node", [XROLLUP_BIN, ...args], { cwd: PROJECT_ROOT, env: CHILD_ENV, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<CliRun>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

/** A devnet process just launched: `ready` resolves once it prints its ready line, and rejects if it exits first. */
function launchDevnetProcess(dir: string, ports: Ports, extra: readonly string[]): { child: ChildProcess; exited: Promise<CliRun>; ready: Promise<SpawnedDevnet> } {
  const args = ["devnet", "--data-dir", dir, "--port", String(ports.port), "--rollup-port", String(ports.rollupPort), "--quiet", ...extra];
  const { child, exited } = spawnXrollup(args);
  const ready = new Promise<SpawnedDevnet>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const line = /^xrollup devnet ready: L1 (\S+)$/m.exec(seen);
      if (line === null) return;
      child.stdout!.off("data", onData);
      const rollups = Array.from({ length: ROLLUPS }, (_, index) => `http://127.0.0.1:${ports.rollupPort + index}`);
      resolve({ child, exited, l1: line[1]!, rollups });
    };
    child.stdout!.on("data", onData);
    void exited.then((run) => reject(new Error(`xrollup devnet exited before it was ready (${run.code ?? run.signal}): ${run.stderr}`)));
  });
  return { child, exited, ready };
}

/** Starts `xrollup devnet --data-dir DIR --quiet` and resolves once it is ready. */
function startDevnetProcess(dir: string, ports: Ports, extra: readonly string[]): Promise<SpawnedDevnet> {
  return launchDevnetProcess(dir, ports, extra).ready;
}

/** Starts a restart and kills it with SIGKILL after `delayMs` (while it loads, replays the directory, or just after it is ready). */
async function killWhileStarting(dir: string, ports: Ports, extra: readonly string[], delayMs: number): Promise<void> {
  const { child, exited, ready } = launchDevnetProcess(dir, ports, extra);
  ready.catch(() => undefined); // Killed before it is ready, `ready` rejects: expected here.
  await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, delayMs))]);
  child.kill("SIGKILL");
  expect((await exited).signal).to.equal("SIGKILL");
}

/** Cleanup: kills a devnet a failed test left running (`undefined` if it never started). */
function killIfRunning(devnet: SpawnedDevnet | undefined): void {
  if (devnet !== undefined && devnet.child.exitCode === null && devnet.child.signalCode === null) devnet.child.kill("SIGKILL");
}

/** Kills the devnet with SIGKILL (nothing of it runs afterwards) and waits for it to be gone. */
async function killHard(devnet: SpawnedDevnet): Promise<void> {
  devnet.child.kill("SIGKILL");
  const run = await devnet.exited;
  expect(run.signal).to.equal("SIGKILL");
}

/** One transaction the load signed, sent or not. */
interface SentTransaction {
  hash: Hex;
  raw: Hex;
  chainId: number;
  url: string;
  from: Address;
  nonce: number;
  /** A transfer pays `value` to `to`; a reverting creation is dropped by revert protection. */
  kind: "transfer" | "reverting";
  to: Address | undefined;
  value: bigint;
}

/** Everything the clients did and saw, over every round of one devnet. */
class Ledger {
  readonly sent = new Map<Hex, SentTransaction>();
  /** Hashes a client was answered for (`eth_sendRawTransaction` returned a result). */
  readonly acknowledged = new Set<Hex>();
  /** The latest status a client read for each acknowledged hash before the kill. */
  readonly observed = new Map<Hex, TransactionStatus>();
  readonly recipients = new Set<Address>();
}

/** One sender's script in a round: its transactions in nonce order, the pause before each, and whether to send each twice. */
interface SenderScript {
  transactions: SentTransaction[];
  pausesMs: number[];
  resend: boolean[];
}

/** Draws a round's scripts from the seeded stream, one sender after the other and before any sending, so timing cannot change them. */
async function planRound(devnet: SpawnedDevnet, ledger: Ledger, random: Random, label: string): Promise<SenderScript[]> {
  const senders = await Promise.all(
    SENDERS.map(async (accountIndex, senderIndex) => {
      const account = devAccounts()[accountIndex]!;
      const url = devnet.rollups[senderIndex % ROLLUPS]!;
      const chainId = Number(await rpcResult<Hex>(url, "eth_chainId"));
      const firstNonce = Number(await rpcResult<Hex>(url, "eth_getTransactionCount", [account.address, "pending"]));
      return { ...account, url, chainId, firstNonce };
    }),
  );
  const scripts: SenderScript[] = [];
  for (const { address, privateKey, url, chainId, firstNonce } of senders) {
    const to = labelAddress(`restart ${label} rollup ${chainId}`);
    ledger.recipients.add(to);
    const transfers = 3 + random.int(5);
    const reverting = random.next() < 0.35;
    const script: SenderScript = { transactions: [], pausesMs: [], resend: [] };
    for (let index = 0; index < transfers + (reverting ? 1 : 0); index++) {
      const nonce = firstNonce + index;
      const isTransfer = index < transfers;
      const value = BigInt(1 + random.int(1_000_000));
      const raw = isTransfer
        ? await signTransaction(privateKey, { chainId, nonce, to, value })
        : await signTransaction(privateKey, { chainId, nonce, data: REVERTING_INIT_CODE, gas: 100_000n });
      const sent: SentTransaction = {
        hash: keccak256(raw),
        raw,
        chainId,
        url,
        from: address,
        nonce,
        kind: isTransfer ? "transfer" : "reverting",
        to: isTransfer ? to : undefined,
        value: isTransfer ? value : 0n,
      };
      ledger.sent.set(sent.hash, sent);
      script.transactions.push(sent);
      script.pausesMs.push(random.int(60));
      script.resend.push(random.next() < 0.25);
    }
    scripts.push(script);
  }
  return scripts;
}

/** `eth_sendRawTransaction`; the hash when the devnet answered with a result, `undefined` for an error or no answer. */
async function send(transaction: SentTransaction): Promise<Hex | undefined> {
  try {
    const response = await rpc<Hex>(transaction.url, "eth_sendRawTransaction", [transaction.raw]);
    return response.result;
  } catch {
    return undefined; // The devnet died under the request: no answer, no acknowledgement.
  }
}

/**
 * Drives the round's load and kills the devnet with SIGKILL once a seeded
 * number of transactions were acknowledged (plus a seeded delay), or, if the
 * load ends first, a seeded delay after it. Meanwhile a client polls the
 * status of every acknowledged hash, as a wallet would.
 */
async function loadAndKill(devnet: SpawnedDevnet, ledger: Ledger, scripts: SenderScript[], random: Random): Promise<void> {
  const total = scripts.reduce((count, script) => count + script.transactions.length, 0);
  const killAfterAcks = 1 + random.int(Math.max(1, Math.floor(total * 0.8)));
  const killDelayMs = random.int(40);
  let acknowledged = 0;
  let dead = false;
  let killing: Promise<void> | undefined;
  const kill = () => {
    killing ??= new Promise<void>((resolve) => setTimeout(resolve, killDelayMs)).then(async () => {
      await killHard(devnet);
      dead = true;
    });
  };
  const acknowledge = (transaction: SentTransaction, result: Hex) => {
    expect(result, "the answer of eth_sendRawTransaction").to.equal(transaction.hash);
    ledger.acknowledged.add(transaction.hash);
    acknowledged += 1;
    if (acknowledged >= killAfterAcks) kill();
  };
  const observe = async (hashes: readonly Hex[]): Promise<boolean> => {
    try {
      for (const [hash, status] of await statusesOf(hashes, ledger)) if (status !== null) ledger.observed.set(hash, status);
      return true;
    } catch {
      return false; // Killed: what was read before stays observed.
    }
  };
  const observer = (async () => {
    while (!dead) {
      const hashes = [...ledger.acknowledged];
      // An empty JSON-RPC batch is an invalid request: the client polls once something was acknowledged.
      if (hashes.length > 0 && !(await observe(hashes))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await Promise.all(
    scripts.map(async ({ transactions, pausesMs, resend }) => {
      for (const [index, transaction] of transactions.entries()) {
        await new Promise((resolve) => setTimeout(resolve, pausesMs[index]));
        if (dead) return;
        const result = await send(transaction);
        if (result === undefined) return; // Refused, dropped (instant mode answers a drop with an error) or killed: stop this sender.
        acknowledge(transaction, result);
        if (resend[index]) {
          // The same bytes again: "already known" while pending, "nonce too low" once included; a new attempt after a drop.
          const again = await send(transaction);
          if (again !== undefined) acknowledge(transaction, again);
        }
      }
    }),
  );
  kill();
  await killing;
  await observer;
}

/** The status of each hash, asked on the rollup each was sent to. */
async function statusesOf(hashes: readonly Hex[], ledger: Ledger): Promise<Map<Hex, TransactionStatus | null>> {
  const statuses = new Map<Hex, TransactionStatus | null>();
  const byUrl = new Map<string, Hex[]>();
  for (const hash of hashes) {
    const { url } = ledger.sent.get(hash)!;
    byUrl.set(url, [...(byUrl.get(url) ?? []), hash]);
  }
  for (const [url, group] of byUrl) {
    const responses = await rpcBatch(url, group.map((hash) => ["xr_getTransactionStatus", [hash]]));
    for (const [index, response] of responses.entries()) {
      if (response.error !== undefined) throw new Error(`xr_getTransactionStatus failed: ${response.error.message}`);
      statuses.set(group[index]!, response.result as TransactionStatus | null);
    }
  }
  return statuses;
}

/**
 * After a restart: every acknowledged hash is known at once; whatever was
 * pending settles; what a client saw before the kill still holds; then the
 * whole ledger is checked against the chains.
 */
async function checkAfterRestart(devnet: SpawnedDevnet, ledger: Ledger): Promise<void> {
  const acknowledged = [...ledger.acknowledged];
  const first = await statusesOf(acknowledged, ledger);
  for (const hash of acknowledged) expect(first.get(hash), `acknowledged ${hash} is unknown after the restart`).to.not.equal(null);

  const known = [...ledger.sent.keys()];
  let statuses = await statusesOf(known, ledger);
  await waitUntil(
    async () => {
      statuses = await statusesOf(known, ledger);
      return [...statuses.values()].every((status) => status?.status !== "pending");
    },
    { timeoutMs: SETTLE_MS, intervalMs: 100, what: "every pending transaction to be included or dropped after the restart" },
  );
  await waitUntil(
    async () => {
      const status = await rpcResult<SequencerStatus>(devnet.l1, "xr_getSequencerStatus");
      return status.unbatchedSlots === 0 && status.pendingTransactions === 0;
    },
    { timeoutMs: SETTLE_MS, intervalMs: 100, what: "every slot to be posted to L1" },
  );
  statuses = await statusesOf(known, ledger);

  for (const hash of acknowledged) {
    const status = statuses.get(hash)!;
    expect(status, hash).to.not.equal(null);
    if (status!.status === "dropped") expect(REASON_CODES, `reasonCode of ${hash}`).to.include(status!.reasonCode);
    const seen = ledger.observed.get(hash);
    if (seen === undefined || seen.status === "pending") continue;
    if (seen.status === "dropped") {
      // A dropped transaction sent again may have been accepted again: its earlier drop is then an attempt.
      const reasons = [...(status!.attempts ?? []).map((attempt) => attempt.reasonCode), status!.reasonCode];
      expect(reasons, `${hash} was seen dropped (${seen.reasonCode})`).to.include(seen.reasonCode);
      continue;
    }
    expect(status, `${hash} was seen included`).to.deep.include({
      status: "included",
      globalSeq: seen.globalSeq,
      blockNumber: seen.blockNumber,
      slot: seen.slot,
    });
    if (seen.batch !== null) expect(status!.batch, `${hash} was seen in batch ${seen.batch.number}`).to.deep.equal(seen.batch);
  }
  await checkLedger(devnet, ledger, statuses);
}

/**
 * The chains agree with the records: global sequence numbers 0..n-1; every
 * transaction in a rollup block is one the load sent, recorded included in
 * that block; each recipient holds the included transfers to it; each
 * sender's nonce counts its included transactions.
 */
async function checkLedger(devnet: SpawnedDevnet, ledger: Ledger, statuses: Map<Hex, TransactionStatus | null>): Promise<number> {
  const included = [...statuses].flatMap(([hash, status]) => (status?.status === "included" ? [{ hash, status, sent: ledger.sent.get(hash)! }] : []));
  const globalSeqs = included.map(({ status }) => status.globalSeq!).sort((a, b) => a - b);
  expect(globalSeqs).to.deep.equal(globalSeqs.map((_, index) => index));
  for (const { hash, status } of included) expect(status.batch, `${hash} is included but in no batch`).to.not.equal(null);

  let inBlocks = 0;
  for (const url of devnet.rollups) {
    const head = Number(await rpcResult<Hex>(url, "eth_blockNumber"));
    const numbers = Array.from({ length: head }, (_, index) => index + 1);
    const blocks = await rpcBatch(url, numbers.map((number) => ["eth_getBlockByNumber", [`0x${number.toString(16)}`, false]]));
    for (const [index, response] of blocks.entries()) {
      const { transactions } = response.result as { transactions: Hex[] };
      for (const hash of transactions) {
        const status = statuses.get(hash);
        expect(status, `${hash} in block ${numbers[index]} of ${url} was never sent by the load`).to.not.equal(undefined);
        expect(status, hash).to.deep.include({ status: "included", blockNumber: numbers[index] });
        inBlocks += 1;
      }
    }
  }
  expect(inBlocks, "transactions in the rollups' blocks").to.equal(included.length);

  const owed = new Map<Address, bigint>([...ledger.recipients].map((recipient) => [recipient, 0n]));
  const nonces = new Map<string, number[]>();
  for (const { sent } of included) {
    if (sent.to !== undefined) owed.set(sent.to, owed.get(sent.to)! + sent.value);
    const key = `${sent.url} ${sent.from}`;
    nonces.set(key, [...(nonces.get(key) ?? []), sent.nonce]);
  }
  for (const [recipient, value] of owed) {
    const sent = [...ledger.sent.values()].find((transaction) => transaction.to === recipient)!;
    expect(BigInt(await rpcResult<Hex>(sent.url, "eth_getBalance", [recipient, "latest"])), `balance of ${recipient}`).to.equal(value);
  }
  const senders = new Map([...ledger.sent.values()].map(({ url, from }) => [`${url} ${from}`, { url, from }]));
  for (const [key, { url, from }] of senders) {
    const used = (nonces.get(key) ?? []).sort((a, b) => a - b);
    expect(used, `included nonces of ${key}`).to.deep.equal(used.map((_, index) => index));
    expect(Number(await rpcResult<Hex>(url, "eth_getTransactionCount", [from, "latest"])), `nonce of ${key}`).to.equal(used.length);
  }
  return included.length;
}

/** `xrollup verify --l1 URL --json` against the devnet. */
async function verify(devnet: SpawnedDevnet): Promise<{ run: CliRun; result: { ok: boolean; transactions: number; batches: number } }> {
  const { exited } = spawnXrollup(["verify", "--l1", devnet.l1, "--json"]);
  const run = await exited;
  return { run, result: JSON.parse(run.stdout) as { ok: boolean; transactions: number; batches: number } };
}

/** Stops the devnet with SIGINT, as a user at the terminal would, and returns how it exited. */
async function interrupt(devnet: SpawnedDevnet): Promise<CliRun> {
  devnet.child.kill("SIGINT");
  return devnet.exited;
}

const MODES = [
  { name: "instant mode", flags: ["--batch-ms", "150"], seed: 7 },
  { name: "slot mode (--slot-ms 200)", flags: ["--slot-ms", "200"], seed: 11 },
] as const;

describe("--data-dir: the devnet survives kill -9 and loses nothing it acknowledged", function () {
  this.timeout(120_000);

  for (const mode of MODES) {
    describe(mode.name, function () {
      let dir: string;
      let ports: Ports;
      let devnet: SpawnedDevnet;
      const ledger = new Ledger();
      const random = createRandom(mode.seed);

      before(async function () {
        dir = await mkdtemp(path.join(tmpdir(), "xrollup-restart-"));
        ports = await freePorts(ROLLUPS);
        devnet = await startDevnetProcess(dir, ports, mode.flags);
      });

      after(async function () {
        killIfRunning(devnet);
        await rm(dir, { recursive: true, force: true });
      });

      for (let round = 1; round <= ROUNDS; round++) {
        it(`round ${round}: killed under load at a seeded instant, it restarts with every acknowledged transaction accounted for`, async function () {
          const scripts = await planRound(devnet, ledger, random, `${mode.name} round ${round}`);
          const before = ledger.acknowledged.size;
          await loadAndKill(devnet, ledger, scripts, random);
          // Once per mode, the restart itself is killed too, at a seeded instant of its start-up (~2 s to ready): an interrupted restart is a crash like any other.
          if (round === 2) await killWhileStarting(dir, ports, mode.flags, 500 + random.int(1_800));
          devnet = await startDevnetProcess(dir, ports, mode.flags);
          await checkAfterRestart(devnet, ledger);
          expect(ledger.acknowledged.size, "transactions acknowledged this round").to.be.above(before);
        });
      }

      it("`xrollup verify` re-derives both rollups from L1, every transaction included", async function () {
        const statuses = await statusesOf([...ledger.sent.keys()], ledger);
        const included = await checkLedger(devnet, ledger, statuses);
        const { run, result } = await verify(devnet);
        expect(run.code, run.stderr).to.equal(0);
        expect(result.ok).to.equal(true);
        expect(result.transactions).to.equal(included);
      });

      if (mode.name.startsWith("slot")) {
        it("SIGINT keeps a transaction waiting for a nonce gap pending; after the restart it is included once the gap fills", async function () {
          const { address, privateKey } = devAccounts()[7]!;
          const url = devnet.rollups[1]!;
          const chainId = Number(await rpcResult<Hex>(url, "eth_chainId"));
          const nonce = Number(await rpcResult<Hex>(url, "eth_getTransactionCount", [address, "latest"]));
          const to = labelAddress("restart nonce gap");
          const waiting = await signTransaction(privateKey, { chainId, nonce: nonce + 1, to, value: 2n });
          const waitingHash = await rpcResult<Hex>(url, "eth_sendRawTransaction", [waiting]);
          expect(await rpcResult(url, "xr_getTransactionStatus", [waitingHash])).to.deep.include({ status: "pending" });

          const run = await interrupt(devnet);
          expect(run.code, run.stderr).to.equal(0);
          expect(run.stdout).to.match(/SIGINT: stopping the devnet/);
          devnet = await startDevnetProcess(dir, ports, mode.flags);
          // Two slots later it still waits: nothing dropped it on the way down or up.
          await new Promise((resolve) => setTimeout(resolve, 450));
          expect(await rpcResult(url, "xr_getTransactionStatus", [waitingHash])).to.deep.include({ status: "pending", globalSeq: null });

          const gap = await signTransaction(privateKey, { chainId, nonce, to, value: 1n });
          const gapHash = await rpcResult<Hex>(url, "eth_sendRawTransaction", [gap]);
          await waitUntil(async () => (await rpcResult<TransactionStatus>(url, "xr_getTransactionStatus", [waitingHash])).status !== "pending", {
            timeoutMs: 5_000,
            what: "the waiting transaction to settle",
          });
          const [filled, waited] = [
            await rpcResult<TransactionStatus>(url, "xr_getTransactionStatus", [gapHash]),
            await rpcResult<TransactionStatus>(url, "xr_getTransactionStatus", [waitingHash]),
          ];
          expect(filled.status).to.equal("included");
          expect(waited.status).to.equal("included");
          expect(waited.globalSeq).to.be.above(filled.globalSeq!);
          expect(BigInt(await rpcResult<Hex>(url, "eth_getBalance", [to, "latest"]))).to.equal(3n);
          expect(Number(await rpcResult<Hex>(url, "eth_getTransactionCount", [address, "latest"]))).to.equal(nonce + 2);
        });

        it(`refuses to reopen the directory with --rollups 3: exit 1 and one line naming the directory`, async function () {
          const run = await interrupt(devnet);
          expect(run.code, run.stderr).to.equal(0);
          const { exited } = spawnXrollup([
            "devnet",
            "--data-dir",
            dir,
            "--rollups",
            "3",
            "--port",
            String(ports.port),
            "--rollup-port",
            String(ports.rollupPort),
            "--quiet",
            ...mode.flags,
          ]);
          const refused = await exited;
          expect(refused.code).to.equal(1);
          expect(refused.stdout).to.equal("");
          const lines = refused.stderr.trim().split("\n");
          expect(lines, refused.stderr).to.have.length(1);
          expect(lines[0]).to.match(/^xrollup: Data directory /);
          expect(lines[0]).to.include(dir);
          expect(lines[0]).to.include("rollups");
        });
      } else {
        it("stops on SIGINT with exit code 0", async function () {
          const run = await interrupt(devnet);
          expect(run.code, run.stderr).to.equal(0);
        });
      }
    });
  }

  describe("encrypted transactions (slot mode, 2 s slots)", function () {
    let dir: string;
    let ports: Ports;
    let devnet: SpawnedDevnet | undefined;
    const flags = ["--slot-ms", "2000"];

    before(async function () {
      dir = await mkdtemp(path.join(tmpdir(), "xrollup-restart-encrypted-"));
      ports = await freePorts(ROLLUPS);
    });

    after(async function () {
      killIfRunning(devnet);
      await rm(dir, { recursive: true, force: true });
    });

    it("a ciphertext id acknowledged before kill -9 is still known after the restart, waiting or included", async function () {
      devnet = await startDevnetProcess(dir, ports, flags);
      const url = devnet.rollups[0]!;
      const { publicKey } = await rpcResult<{ publicKey: Hex }>(url, "xr_getCommitteeKey");
      const { address, privateKey } = devAccounts()[9]!;
      const chainId = Number(await rpcResult<Hex>(url, "eth_chainId"));
      const to = labelAddress("restart encrypted");
      const encryptedStatus = (id: Hex) => rpcResult<EncryptedTransactionStatus | null>(url, "xr_getEncryptedTransactionStatus", [id]);

      const first = await signTransaction(privateKey, { chainId, nonce: 0, to, value: 1n });
      const includedId = await rpcResult<Hex>(url, "xr_sendEncryptedTransaction", [encryptTransaction(publicKey, first)]);
      await waitUntil(async () => (await encryptedStatus(includedId))?.status === "included", { timeoutMs: 5_000, what: "the first ciphertext's slot" });
      const second = await signTransaction(privateKey, { chainId, nonce: 1, to, value: 2n });
      const waitingId = await rpcResult<Hex>(url, "xr_sendEncryptedTransaction", [encryptTransaction(publicKey, second)]);
      expect((await encryptedStatus(waitingId))?.status).to.equal("pending");
      await killHard(devnet);

      devnet = await startDevnetProcess(dir, ports, flags);
      expect(await encryptedStatus(includedId)).to.deep.include({ status: "included", transactionHash: keccak256(first) });
      expect(await encryptedStatus(waitingId), "the waiting ciphertext").to.not.equal(null);
      await waitUntil(async () => (await encryptedStatus(waitingId))?.status !== "pending", { timeoutMs: 5_000, what: "the second ciphertext's slot" });
      expect(await encryptedStatus(waitingId)).to.deep.include({ status: "included", transactionHash: keccak256(second) });
      expect(BigInt(await rpcResult<Hex>(url, "eth_getBalance", [to, "latest"]))).to.equal(3n);
      expect(Number(await rpcResult<Hex>(url, "eth_getTransactionCount", [address, "latest"]))).to.equal(2);
    });
  });
});
