/**
 * A self-contained HTML reference for the OpenAPI document. Scalar's hono middleware loads its viewer from a CDN,
 * which fails offline and in locked-down clusters; this page needs nothing but itself.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const asObject = (value: Json | undefined): JsonObject =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
const asString = (value: Json | undefined): string => (typeof value === "string" ? value : "");

function schemaBlock(schema: Json | undefined): string {
  if (schema === undefined) return "";
  return `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`;
}

function operationHtml(method: string, path: string, op: JsonObject): string {
  const params = Array.isArray(op.parameters) ? op.parameters.map(asObject) : [];
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(asString(p.name))}</code></td><td>${escapeHtml(asString(p.in))}</td><td>${escapeHtml(
          JSON.stringify(p.schema ?? {}),
        )}</td></tr>`,
    )
    .join("");
  const body = asObject(op.requestBody);
  const bodySchema = asObject(asObject(body.content)["application/json"]).schema;
  const responses = Object.entries(asObject(op.responses))
    .map(([status, r]) => {
      const response = asObject(r);
      const schema = asObject(asObject(response.content)["application/json"]).schema;
      return `<li><b>${escapeHtml(status)}</b> ${escapeHtml(asString(response.description))}${
        status.startsWith("2") ? schemaBlock(schema) : ""
      }</li>`;
    })
    .join("");
  const id = escapeHtml(asString(op.operationId));
  return `<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(asString(op.summary))}</p>${op.description ? `<p>${escapeHtml(asString(op.description))}</p>` : ""}
${paramRows ? `<table><tr><th>parameter</th><th>in</th><th>schema</th></tr>${paramRows}</table>` : ""}
${bodySchema !== undefined ? `<p>Request body: ${escapeHtml(asString(body.description))}</p>${schemaBlock(bodySchema)}` : ""}
<ul>${responses}</ul></section>`;
}

export function renderDocsPage(document: object): string {
  const doc = document as JsonObject;
  const info = asObject(doc.info);
  const sections: string[] = [];
  const index: string[] = [];
  for (const [path, item] of Object.entries(asObject(doc.paths))) {
    for (const [method, op] of Object.entries(asObject(item))) {
      const operation = asObject(op);
      sections.push(operationHtml(method, path, operation));
      index.push(
        `<li><a href="#${escapeHtml(asString(operation.operationId))}">${method.toUpperCase()} ${escapeHtml(path)}</a></li>`,
      );
    }
  }
  const schemas = Object.entries(asObject(asObject(doc.components).schemas))
    .map(
      ([name, schema]) =>
        `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${schemaBlock(schema)}</section>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(asString(info.title))} — API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex}nav{width:22rem;height:100vh;overflow:auto;position:sticky;top:0;
background:#f4f4f6;padding:1rem;box-sizing:border-box;font-size:.85rem}nav ul{list-style:none;padding:0}main{padding:1rem 2rem;
flex:1;min-width:0}pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.8rem}.op{border-top:1px solid #ddd;padding:.5rem 0}
.method{display:inline-block;min-width:3.5rem;color:#fff;border-radius:3px;padding:0 .3rem;font-size:.8rem;text-align:center}
.get{background:#2b7bb9}.post{background:#3a9b4a}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
</style></head><body><nav><b>${escapeHtml(asString(info.title))} ${escapeHtml(asString(info.version))}</b>
<p><a href="/openapi.json">openapi.json</a></p><ul>${index.join("")}</ul></nav>
<main><h1>${escapeHtml(asString(info.title))}</h1><p>${escapeHtml(asString(info.description))}</p>${sections.join("\n")}
<h2>Schemas</h2>${schemas}</main></body></html>`;
}
