// A push service on localhost for tests, speaking the real protocol: HTTPS POSTs
// (RFC 8030) with an aes128gcm body (RFC 8291) and VAPID authorization (RFC 8292).
// It checks the VAPID token and decrypts each message the way a browser does, with
// Node's WebCrypto: an implementation independent of web-push's http_ece.
import { spawnSync } from "node:child_process";
import { webcrypto } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, Agent, type Server } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

const { subtle } = webcrypto;
type JsonWebKey = webcrypto.JsonWebKey;
type BufferSource = webcrypto.BufferSource;
const enc = new TextEncoder();
const b64u = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes as Uint8Array).toString("base64url");
const fromB64u = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));

/** A browser's push subscription: what it hands the server, and the private half it keeps. */
export interface TestDevice {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  privateJwk: JsonWebKey;
}

export async function newDevice(endpoint: string): Promise<TestDevice> {
  const pair = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const publicRaw = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
  const auth = webcrypto.getRandomValues(new Uint8Array(16));
  return {
    subscription: { endpoint, keys: { p256dh: b64u(publicRaw), auth: b64u(auth) } },
    privateJwk: await subtle.exportKey("jwk", pair.privateKey),
  };
}

/** The JWK of a P-256 private key given as raw d and the uncompressed public point. */
export function privateJwkOf(d: string, publicKey: string): JsonWebKey {
  const point = fromB64u(publicKey);
  return { kty: "EC", crv: "P-256", d, x: b64u(point.slice(1, 33)), y: b64u(point.slice(33, 65)), ext: true };
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
  const key = await subtle.importKey("raw", ikm as BufferSource, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(
    await subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: salt as BufferSource, info: info as BufferSource },
      key,
      bytes * 8,
    ),
  );
}

/** RFC 8291 section 3 and RFC 8188: one aes128gcm message, decrypted with the subscription's keys. */
export async function decryptAes128gcm(
  body: Uint8Array,
  device: { privateJwk: JsonWebKey; p256dh: string; auth: string },
): Promise<string> {
  const salt = body.slice(0, 16);
  const rs = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idlen = body[20]!;
  const asPublic = body.slice(21, 21 + idlen);
  const records = body.slice(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid must be the 65-byte sender key, got ${idlen}`);
  if (records.length > rs) throw new Error("more than one record");

  const uaPrivate = await subtle.importKey("jwk", device.privateJwk, { name: "ECDH", namedCurve: "P-256" }, false, [
    "deriveBits",
  ]);
  const senderKey = await subtle.importKey("raw", asPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ecdhSecret = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: senderKey }, uaPrivate, 256));
  const uaPublic = fromB64u(device.p256dh);
  const keyInfo = new Uint8Array([...enc.encode("WebPush: info\0"), ...uaPublic, ...asPublic]);
  const ikm = await hkdf(fromB64u(device.auth), ecdhSecret, keyInfo, 32);
  const cek = await hkdf(salt, ikm, enc.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, enc.encode("Content-Encoding: nonce\0"), 12);
  const aes = await subtle.importKey("raw", cek as BufferSource, "AES-GCM", false, ["decrypt"]);
  const padded = new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: nonce as BufferSource }, aes, records));
  // The last (only) record ends with 0x02, then optional zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("missing the last-record delimiter");
  return new TextDecoder().decode(padded.slice(0, end));
}

export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
}

/** RFC 8292: `vapid t=<JWT>, k=<public key>`; the ES256 signature is checked with k. */
export async function verifyVapid(authorization: string | undefined): Promise<{ claims: VapidClaims; key: string }> {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  if (!m) throw new Error(`not a VAPID authorization: ${authorization}`);
  const [header, payload, signature] = m[1]!.split(".");
  const key = await subtle.importKey("raw", fromB64u(m[2]!), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const ok = await subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    fromB64u(signature!),
    enc.encode(`${header}.${payload}`),
  );
  if (!ok) throw new Error("VAPID signature does not verify");
  if (JSON.parse(Buffer.from(header!, "base64url").toString()).alg !== "ES256")
    throw new Error("VAPID alg is not ES256");
  return { claims: JSON.parse(Buffer.from(payload!, "base64url").toString()) as VapidClaims, key: m[2]! };
}

export interface ReceivedPush {
  device: string;
  ttl: number;
  urgency: string | undefined;
  vapid: { claims: VapidClaims; key: string };
  text: string;
}

export interface FakePushService {
  origin: string;
  /** A new browser subscription at this service (`name` makes the endpoint readable in failures). */
  device(name: string): Promise<TestDevice>;
  received: ReceivedPush[];
  /** Answer pushes to this device with this status from now on (410: gone). */
  respond(name: string, status: number): void;
  /** An https.Agent that trusts this service's certificate. */
  agent: Agent;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1, made with openssl (Debian's, on every build machine). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "offshift-push-"));
  try {
    const r = spawnSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ]);
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
    return {
      key: readFileSync(path.join(dir, "key.pem"), "utf8"),
      cert: readFileSync(path.join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFakePushService(): Promise<FakePushService> {
  const { key, cert } = selfSignedCertificate();
  const devices = new Map<string, TestDevice>();
  const statuses = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const name = decodeURIComponent((req.url ?? "").replace(/^\/push\//, ""));
        const device = devices.get(name);
        try {
          if (req.method !== "POST" || !device) throw Object.assign(new Error("no such subscription"), { status: 404 });
          const status = statuses.get(name);
          if (status) throw Object.assign(new Error("as told"), { status });
          if (req.headers["content-encoding"] !== "aes128gcm") throw new Error("Content-Encoding must be aes128gcm");
          const vapid = await verifyVapid(req.headers.authorization);
          const text = await decryptAes128gcm(new Uint8Array(Buffer.concat(chunks)), {
            privateJwk: device.privateJwk,
            ...device.subscription.keys,
          });
          received.push({
            device: name,
            ttl: Number(req.headers.ttl),
            urgency: req.headers.urgency as string | undefined,
            vapid,
            text,
          });
          res.writeHead(201, { Location: `/message/${received.length}` }).end();
        } catch (err) {
          res.writeHead((err as { status?: number }).status ?? 400).end((err as Error).message);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    received,
    agent: new Agent({ ca: cert }),
    async device(name) {
      const d = await newDevice(`${origin}/push/${encodeURIComponent(name)}`);
      devices.set(name, d);
      return d;
    },
    respond(name, status) {
      statuses.set(name, status);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
