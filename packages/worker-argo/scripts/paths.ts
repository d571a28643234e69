/** Where the generator reads and writes, relative to this package. */
export const SPEC_FILE = new URL("../spec/argo-openapi.json", import.meta.url);
export const GENERATED_TYPES_FILE = new URL("../src/generated/argo.ts", import.meta.url);
/**
 * Argo's unmodified swagger.json (see spec/NOTICE.md for its origin), committed gzipped so that the check of the
 * trimmed spec against it runs on every clone; outside the package's files, so the tarball does not carry it.
 */
export const SWAGGER_FILE = new URL("../upstream/argo-workflows-swagger.json.gz", import.meta.url);
/** SHA-256 of that swagger.json as Argo publishes it (uncompressed). */
export const SWAGGER_SHA256 = "c75ea5e10cbca5a251019c0f5dafef98449551562403e9e903a53db985d5e6b8";
export const ORIGIN =
  "github.com/argoproj/argo-workflows api/openapi-spec/swagger.json at commit f016ad89eb269d282aec06dc491c29f396a38df4";
