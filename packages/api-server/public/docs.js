// The API reference: Swagger UI over openapi.json, both fetched with the token the console keeps for this tab.
// The document names no server, so "try it" is pointed at the folder this page is served from (a path prefix
// included), and every request it sends carries the token.
const TOKEN_KEY = "task-queue-token";
const token = () => sessionStorage.getItem(TOKEN_KEY) ?? "";
const input = document.getElementById("token");
const error = document.getElementById("docs-error");
input.value = token();

async function load() {
  const headers = token() ? { authorization: `Bearer ${token()}` } : {};
  const response = await fetch("openapi.json", { headers });
  if (!response.ok) {
    error.textContent =
      response.status === 401
        ? "This server needs a token: enter it above (it is kept for this tab)."
        : `openapi.json: HTTP ${response.status}`;
    return;
  }
  error.textContent = "";
  const spec = await response.json();
  const base = new URL(".", location.href).href.replace(/\/$/, "");
  spec.servers = [{ url: base }];
  window.SwaggerUIBundle({
    spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    requestInterceptor: (request) => {
      if (token()) request.headers.Authorization = `Bearer ${token()}`;
      return request;
    },
  });
}

document.getElementById("docs-token").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, input.value);
  load();
});
load();
