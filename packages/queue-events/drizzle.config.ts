import { defineConfig } from "drizzle-kit";

// `pnpm exec drizzle-kit generate` writes the migration in drizzle/ from the default-named table; migrate()
// renames it for other table names.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/sql/schema.ts",
  out: "./drizzle",
});
