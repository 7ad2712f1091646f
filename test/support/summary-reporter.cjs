// Mocha's spec reporter, plus the run's totals written as JSON to
// $MOCHA_SUMMARY_FILE when it is set: .ci/run turns them into the closing
// "N passed, N failed" line that CI reads.
const fs = require("node:fs");
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.MOCHA_SUMMARY_FILE;
      if (file) fs.writeFileSync(file, JSON.stringify(runner.stats));
    });
  }
}

module.exports = SummaryReporter;
