/**
 * The failed tests of a Vitest and a Playwright JSON report, one line each: where (file, project, line), which test,
 * and the first line of its error. `npm test` prints them just before its last line, so that the end of a CI log,
 * which is often all one gets to see, names what failed.
 */

export interface VitestFailureReport {
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

interface PlaywrightSuite {
  title: string;
  file?: string;
  specs?: {
    title: string;
    line?: number;
    tests: { projectName?: string; status: string; results: { error?: { message?: string } }[] }[];
  }[];
  suites?: PlaywrightSuite[];
}

export interface PlaywrightFailureReport {
  suites?: PlaywrightSuite[];
}

const MAX_ERROR_CHARS = 300;

/** The first non-blank line of an error, without colours, at most MAX_ERROR_CHARS long. */
export function firstLine(text: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const plain = (text ?? "").replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
  return (
    plain
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim()
      .slice(0, MAX_ERROR_CHARS) ?? ""
  );
}

/** A file that failed to load counts as one line with its own message. `root`: file names are shown relative to it. */
export function vitestFailures(report: VitestFailureReport, root: string): string[] {
  const relative = (file: string) => (file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file);
  return (report.testResults ?? []).flatMap((file) => {
    const tests = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    if (tests.length === 0) return file.status === "failed" ? [`${relative(file.name)}: ${firstLine(file.message)}`] : [];
    return tests.map((test) => `${relative(file.name)} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
  });
}

/** Tests Playwright calls "unexpected" (failed, timed out, or passed when expected to fail), with their last error. */
export function playwrightFailures(report: PlaywrightFailureReport): string[] {
  const walk = (suites: PlaywrightSuite[] | undefined, file: string): string[] =>
    (suites ?? []).flatMap((suite) => [
      ...(suite.specs ?? []).flatMap((spec) =>
        spec.tests
          .filter((test) => test.status === "unexpected")
          .map((test) => {
            const error = test.results.findLast((result) => result.error)?.error?.message;
            return `[${test.projectName ?? ""}] ${suite.file ?? file}:${spec.line ?? 0} › ${spec.title}: ${firstLine(error)}`;
          }),
      ),
      ...walk(suite.suites, suite.file ?? file),
    ]);
  return walk(report.suites, "");
}
