/** Where the generator reads and writes, relative to this package. */
export const SPEC_FILE = new URL("../spec/argo-openapi.json", import.meta.url);
export const GENERATED_TYPES_FILE = new URL("../src/generated/argo.ts", import.meta.url);
/** Argo's unmodified swagger.json, shared beside the checkout (see spec/NOTICE.md for its origin). */
export const SWAGGER_FILE = new URL("../../../../shared/argo/argo-workflows-swagger.json", import.meta.url);
export const ORIGIN =
  "github.com/argoproj/argo-workflows api/openapi-spec/swagger.json at commit f016ad89eb269d282aec06dc491c29f396a38df4";
