import { PatternRouter } from "hono/router/pattern-router";

/** A registered route: what Hono's `app.routes` lists. */
export interface RouteEntry {
  method: string;
  path: string;
}

/**
 * The methods some route answers on a path (HEAD with GET, as Hono and FastAPI both answer it): for the `Allow`
 * header of a 405. The routes are read on first use, when every route has been registered. Middleware (method ALL)
 * is no route of its own.
 */
export function allowedMethods(routes: () => readonly RouteEntry[]): (path: string) => string[] {
  let router: PatternRouter<string> | undefined;
  const methods = new Set<string>();
  return (path) => {
    if (router === undefined) {
      router = new PatternRouter<string>();
      for (const route of routes()) {
        if (route.method === "ALL") continue;
        router.add(route.method, route.path, route.method);
        methods.add(route.method);
      }
    }
    const matcher = router;
    const allowed = [...methods].filter((method) => matcher.match(method, path)[0].length > 0);
    if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.push("HEAD");
    return allowed;
  };
}
