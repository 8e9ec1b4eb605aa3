import { describe, expect, it } from "vitest";
import { firstLine, playwrightFailures, vitestFailures } from "../../support/failures";

describe("the failed tests named at the end of npm test", () => {
  it("lists Vitest's failed tests and files that did not load, relative to the root, with the first error line", () => {
    const lines = vitestFailures(
      {
        testResults: [
          {
            name: "/repo/tests/unit/a.test.ts",
            status: "failed",
            assertionResults: [
              { fullName: "a > passes", status: "passed" },
              {
                fullName: "a > fails",
                status: "failed",
                failureMessages: ["\n\u001b[31mAssertionError: expected 1 to be 2\u001b[39m\n    at a.test.ts:3"],
              },
            ],
          },
          {
            name: "/repo/tests/integration/b.test.ts",
            status: "failed",
            message: "Error: Cannot find module './gone'",
            assertionResults: [],
          },
          { name: "/repo/tests/unit/c.test.ts", status: "passed", assertionResults: [{ fullName: "c", status: "passed" }] },
        ],
      },
      "/repo",
    );
    expect(lines).toEqual([
      "tests/unit/a.test.ts › a > fails: AssertionError: expected 1 to be 2",
      "tests/integration/b.test.ts: Error: Cannot find module './gone'",
    ]);
  });

  it("lists Playwright's unexpected tests from nested suites with project, file, line and the last error", () => {
    const lines = playwrightFailures({
      suites: [
        {
          title: "dashboard.spec.ts",
          file: "dashboard.spec.ts",
          specs: [
            {
              title: "the overview",
              line: 78,
              tests: [
                { projectName: "desktop", status: "expected", results: [{}] },
                {
                  projectName: "mobile",
                  status: "unexpected",
                  results: [{ error: { message: "Error: first try" } }, { error: { message: "Timeout 15000ms exceeded" } }],
                },
              ],
            },
          ],
          suites: [
            {
              title: "per locale",
              specs: [{ title: "settings (fr)", line: 95, tests: [{ projectName: "desktop", status: "unexpected", results: [{}] }] }],
            },
          ],
        },
      ],
    });
    expect(lines).toEqual([
      "[mobile] dashboard.spec.ts:78 › the overview: Timeout 15000ms exceeded",
      "[desktop] dashboard.spec.ts:95 › settings (fr): ",
    ]);
  });

  it("keeps an error's first non-blank line, bounded", () => {
    expect(firstLine(undefined)).toBe("");
    expect(firstLine("\n\n  x  \ny")).toBe("x");
    expect(firstLine("e".repeat(1000))).toHaveLength(300);
  });
});
