/**
 * A local HTTP endpoint that speaks the SSM JSON 1.1 protocol for GetParameters, so the real @aws-sdk/client-ssm can
 * be pointed at it with an endpoint override. It checks that requests are SigV4-signed and ask for decryption.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SSMClient } from "@aws-sdk/client-ssm";

export class FakeSsm {
  readonly params = new Map<string, string>();
  /** When true, every call answers 500 InternalServerError. */
  failing = false;
  calls = 0;
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => {
        raw += c.toString("utf8");
      });
      req.on("end", () => {
        this.calls++;
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
          res.end(JSON.stringify(body));
        };
        if (this.failing) return send(500, { __type: "InternalServerError", message: "simulated outage" });
        const signed = (req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 ");
        if (req.headers["x-amz-target"] !== "AmazonSSM.GetParameters" || !signed) {
          return send(400, { __type: "ValidationException", message: "unexpected request" });
        }
        const input = JSON.parse(raw) as { Names: string[]; WithDecryption?: boolean };
        if (input.WithDecryption !== true) return send(400, { __type: "ValidationException", message: "no decrypt" });
        const known = input.Names.filter((n) => this.params.has(n));
        send(200, {
          Parameters: known.map((Name) => ({ Name, Type: "SecureString", Value: this.params.get(Name), Version: 1 })),
          InvalidParameters: input.Names.filter((n) => !this.params.has(n)),
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A real SSM client aimed at this endpoint, with one attempt so an outage is seen at once. */
  client(): SSMClient {
    return new SSMClient({
      region: "ap-northeast-1",
      endpoint: this.url,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "fake-secret-for-tests" },
      maxAttempts: 1,
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
