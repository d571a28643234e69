/**
 * Whether the tests run under continuous integration (the CI environment variable set, and not to "false" or "0").
 * Under CI a test that needs something missing (a database, a server binary, a file) fails; it never skips.
 */
export function underCI(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== "" && value !== "false" && value !== "0";
}
