import { createServer } from "node:http";
import {
  type CallbackPayload,
  DELIVERY_ID_HEADER,
  SIGNATURE_HEADER,
  verifyCallbackSignature,
} from "@task-queue/api-client";

const secret = process.env.CALLBACK_SECRET!; // as set with `task-queue callback-settings --secret-file`
const finished = (payload: CallbackPayload) => console.log(payload.item_id, payload.stage);

const seen = new Set<string>(); // delivery ids already handled (keep them in your database)
const server = createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  const authentic = await verifyCallbackSignature({
    secret,
    body, // the raw text: re-serialized JSON would not match the signature
    header: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
  });
  if (!authentic) {
    res.writeHead(401).end();
    return;
  }
  const delivery = req.headers[DELIVERY_ID_HEADER.toLowerCase()] as string;
  // At least once: a retry after a lost answer repeats the delivery id. Act once per id.
  if (!seen.has(delivery)) {
    seen.add(delivery);
    finished(JSON.parse(body) as CallbackPayload);
  }
  res.writeHead(204).end(); // any 2xx: delivered; anything else is retried
});
server.listen(8081);
