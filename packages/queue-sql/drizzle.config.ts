import { defineConfig } from "drizzle-kit";

// Generates migrations/ from src/schema.ts: `pnpm exec drizzle-kit generate` (no database needed).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "./migrations",
});
