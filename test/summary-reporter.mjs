// Prints the closing "N passed, N failed" line CI reads (jest's own summary is not parsed).
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
