import { defineConfig } from "drizzle-kit";

// `pnpm exec drizzle-kit generate` writes the migration in migrations/ from the default-named table; migrate()
// renames it for other table names.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/sql/schema.ts",
  out: "./migrations",
});
