/**
 * A local HTTP endpoint that speaks the SSM JSON 1.1 protocol for GetParameters, so the real @aws-sdk/client-ssm can
 * be pointed at it with an endpoint override. It checks that requests are SigV4-signed and ask for decryption.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SSMClient } from "@aws-sdk/client-ssm";

export class FakeSsm {
  readonly params = new Map<string, string>();
  /** When true, every call answers 500 InternalServerError. */
  failing = false;
  /** When true, calls are accepted and never answered (a black-holed endpoint) until {@link release}. */
  hanging = false;
  calls = 0;
  /** The region each signed request was signed for (SigV4 credential scope), in order. */
  readonly regions: string[] = [];
  private held: (() => void)[] = [];
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
        if (this.hanging) {
          this.held.push(() => this.answer(raw, req.headers, res));
          return;
        }
        this.answer(raw, req.headers, res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Stops hanging and answers every held call. */
  release(): void {
    this.hanging = false;
    for (const answer of this.held.splice(0)) answer();
  }

  private answer(raw: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(body));
    };
    if (this.failing) {
      send(500, { __type: "InternalServerError", message: "simulated outage" });
      return;
    }
    const signed = (headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 ");
    const scope = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/ssm\/aws4_request/.exec(headers.authorization ?? "");
    if (scope?.[1]) this.regions.push(scope[1]);
    if (headers["x-amz-target"] !== "AmazonSSM.GetParameters" || !signed) {
      send(400, { __type: "ValidationException", message: "unexpected request" });
      return;
    }
    const input = JSON.parse(raw) as { Names: string[]; WithDecryption?: boolean };
    if (input.WithDecryption !== true) {
      send(400, { __type: "ValidationException", message: "no decrypt" });
      return;
    }
    const known = input.Names.filter((n) => this.params.has(n));
    send(200, {
      Parameters: known.map((Name) => ({ Name, Type: "SecureString", Value: this.params.get(Name), Version: 1 })),
      InvalidParameters: input.Names.filter((n) => !this.params.has(n)),
    });
  }

  /** Client options aimed at this endpoint (region, endpoint, fake credentials), for `createSsmClient`. */
  clientConfig(): { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
    return {
      region: "ap-northeast-1",
      endpoint: this.url,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "fake-secret-for-tests" },
    };
  }

  /** A real SSM client aimed at this endpoint, with one attempt so an outage is seen at once. */
  client(): SSMClient {
    return new SSMClient({ ...this.clientConfig(), maxAttempts: 1 });
  }

  close(): Promise<void> {
    this.held = [];
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
