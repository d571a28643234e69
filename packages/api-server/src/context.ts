import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";

export interface AppVariables {
  requestId: string;
}

export type AppEnv = { Variables: AppVariables };
export type App = OpenAPIHono<AppEnv>;
export type AppContext = Context<AppEnv>;
