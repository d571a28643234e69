/** The committed form of the OpenAPI document: two-space JSON and a final newline, so diffs stay readable. */
export function serializeOpenApi(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
