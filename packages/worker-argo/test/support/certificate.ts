import { execFileSync } from "node:child_process";
import { join } from "node:path";

/**
 * A self-signed certificate for 127.0.0.1 (openssl), written as key.pem and cert.pem into `dir`: the emulator serves
 * TLS with it and the worker trusts it as its CA.
 */
export function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ]),
    { stdio: "ignore" },
  );
  return { key, cert };
}
