import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../rollups/chain.ts";

const read = (file: string) => readFile(join(PROJECT_ROOT, "deploy", file), "utf8");

// Text-level checks, without a YAML parser: what matters is that each scheduler's index becomes --shard.
describe("sweep deployment examples", function () {
  it("the Kubernetes Indexed Job passes its completion index as --shard i/N, N being its completions", async function () {
    const job = await read("kubernetes/sweep-job.yaml");
    expect(job).to.match(/^\s+completionMode: Indexed$/m);
    const completions = Number(/^\s+completions: (\d+)$/m.exec(job)?.[1]);
    expect(completions).to.be.greaterThan(1);
    expect(job).to.include('command: ["npx", "xrollup", "sweep", "run", "/sweep/sweep.json"]');
    // Kubernetes expands $(VAR) in args, not $VAR: the parentheses are what make the index arrive.
    expect(job).to.include(`- "--shard"\n            - "$(JOB_COMPLETION_INDEX)/${completions}"`);
    expect(job).to.include('- "/results/shard-$(JOB_COMPLETION_INDEX)"');
    expect(job).to.match(/- name: JOB_COMPLETION_INDEX\n\s+valueFrom:\n\s+fieldRef:\n\s+fieldPath: metadata\.annotations\['batch\.kubernetes\.io\/job-completion-index'\]/);
    const settings = job.split("\n").filter((line) => !line.trim().startsWith("#"));
    expect(settings.join("\n")).to.not.match(/\$JOB_COMPLETION_INDEX|\$\{JOB_COMPLETION_INDEX\}/);
    const merge = await read("kubernetes/sweep-merge-job.yaml");
    expect(merge).to.include("npx xrollup sweep merge /results/shard-* --out /results/merged");
  });

  it("the GitHub Actions workflow runs one shard per matrix entry and merges every shard's artifact", async function () {
    const workflow = await read("ci/github-actions-sweep.yml");
    const shards = /^\s+shard: \[([\d, ]+)\]$/m.exec(workflow)?.[1]?.split(",").map(Number);
    const count = Number(/^\s+SHARDS: (\d+)$/m.exec(workflow)?.[1]);
    expect(shards).to.deep.equal(Array.from({ length: count }, (_, i) => i));
    expect(workflow).to.include('--shard "${{ matrix.shard }}/$SHARDS"');
    expect(workflow).to.include('--out "results/shard-${{ matrix.shard }}"');
    expect(workflow).to.include("name: sweep-shard-${{ matrix.shard }}\n          path: results/shard-${{ matrix.shard }}");
    expect(workflow).to.include("pattern: sweep-shard-*\n          path: shards");
    expect(workflow).to.include("npx xrollup sweep merge shards/sweep-shard-* --out merged");
    expect(workflow).to.match(/^\s+needs: shard$/m);
  });
});
