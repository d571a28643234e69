// swagger2openapi ships no types; this declares the one call the generator makes.
declare module "swagger2openapi" {
  interface ConvertResult {
    openapi: { [key: string]: unknown };
  }
  const converter: {
    convertObj(swagger: object, options: { patch?: boolean; warnOnly?: boolean }): Promise<ConvertResult>;
  };
  export default converter;
}
