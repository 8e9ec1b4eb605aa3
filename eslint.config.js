import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "build/**",
      "public/build/**",
      "node_modules/**",
      "extensions/*/dist/**",
      "extensions/*/shopify.d.ts",
      ".data/**",
      "test-results/**",
      "playwright-report/**",
      "tests/mocks/shopify/public/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/tests/**", "../tests/*", "../../tests/*"], message: "Production code must not import test stand-ins." }],
        },
      ],
    },
  },
  {
    // Routes stay thin: they call domain modules, which own their queries (docs/ARCHITECTURE.md, "Prisma or SQL").
    files: ["app/routes/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/tests/**", "../tests/*", "../../tests/*"], message: "Production code must not import test stand-ins." },
            {
              group: ["**/db/prisma.server", "**/db/pool.server"],
              message: "Routes do not query the database: call a domain module (app/<domain>/) instead.",
            },
          ],
        },
      ],
    },
  },
  {
    // The App Bridge stand-in is a plain browser script served to the app's iframe.
    files: ["tests/mocks/**/*.js"],
    languageOptions: { globals: globals.browser, sourceType: "script" },
    rules: { "@typescript-eslint/no-this-alias": "off" },
  },
  {
    // Tests, stand-ins and benchmarks may import from tests/.
    files: ["tests/**"],
    rules: { "no-restricted-imports": "off" },
  },
);
