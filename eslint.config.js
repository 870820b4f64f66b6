import js from "@eslint/js";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import tseslint from "typescript-eslint";

const prismaImports = {
  group: ["@prisma/*", "/prisma", "/prisma/*", "**/generated/prisma", "**/generated/prisma/**"],
  message:
    "Prisma belongs to the data package: call a use case or read model from @offshift/db (add one in packages/db/src/<feature>/).",
};
const dataSideEntrances = {
  group: ["@offshift/db/testing", "@offshift/db/testing/*", "@offshift/db/seeding"],
  message:
    "These entrances hand out the Prisma client (tests, the demo seed): app code calls a use case or read model from @offshift/db.",
};

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/build/**",
      "**/.svelte-kit/**",
      "**/generated/**",
      "data/**",
      ".reports/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs["flat/recommended"],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    // Prisma stays inside the data package: apps and the other packages call its
    // use cases and read models (packages/db/src/<feature>/), never the client.
    files: [
      "apps/**/*.{ts,js,mjs,svelte}",
      "packages/**/*.{ts,js,mjs}",
      "tests/**/*.{ts,js,mjs}",
      "bench/**/*.{ts,js,mjs}",
    ],
    ignores: ["packages/db/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [prismaImports] }] },
  },
  {
    // The data package's two side entrances hand out the Prisma client behind a handle:
    // `@offshift/db/testing` to tests, `@offshift/db/seeding` to the demo seed. App code
    // holds only the opaque `Db` of `@offshift/db`.
    files: ["apps/**/*.{ts,js,mjs,svelte}", "packages/**/*.{ts,js,mjs}"],
    ignores: ["packages/db/**", "**/*.test.ts", "**/*.test-support.ts", "**/test-*.ts", "packages/demo/src/seed.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [prismaImports, dataSideEntrances] }] },
  },
  {
    // Identity and channel names are built in one module (packages/core/src/realtime/channels.ts:
    // personChannel, guestChannel, roomChannel, callChannel, …), never by hand.
    files: [
      "apps/**/*.{ts,js,mjs,svelte}",
      "packages/**/*.{ts,js,mjs}",
      "bench/**/*.{ts,js,mjs}",
      "scripts/**/*.{js,mjs}",
    ],
    ignores: ["**/*.test.ts", "**/*.e2e.ts", "packages/core/src/realtime/channels.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "TemplateLiteral[quasis.0.value.raw=/^(person|guest|visitor|room|call):/]",
          message:
            "Build identity and channel names with packages/core/src/realtime/channels.ts (personChannel, guestChannel, …).",
        },
        {
          selector: "BinaryExpression[operator='+'] > Literal[value=/^(person|guest|visitor|room|call):/]",
          message:
            "Build identity and channel names with packages/core/src/realtime/channels.ts (personChannel, guestChannel, …).",
        },
      ],
    },
  },
  {
    files: ["apps/web/src/**/*.svelte", "apps/web/src/**/*.svelte.ts"],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: [".svelte"] },
    },
  },
  {
    files: ["apps/web/src/lib/realtime.svelte.ts", "apps/web/src/**/*.svelte"],
    languageOptions: { globals: { ...globals.browser } },
  },
);
