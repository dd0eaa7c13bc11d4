// An independent verifier for the platform's Open Badges 3.0 credentials (VC-JOSE-COSE JWTs):
// the signature is checked with `jose` (panva), not with the platform's own code.
//
//   node verify_vc.mjs JWKS_FILE [STATUS_LIST_FILE] < tokens.json
//
// JWKS_FILE: the JSON Web Key Set the platform serves at /.well-known/jwks.json.
// STATUS_LIST_FILE: the status list credential (a JWT) the credentials point to, as served.
// stdin: a JSON array of credential JWTs. stdout: a JSON array with one result per token:
//   {verified, error?, header, credential, revoked, statusList} — nothing is fetched from anywhere.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { createLocalJWKSet, jwtVerify } from "jose";

const CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2";
const OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
const MIN_LIST_BITS = 131072;

const [jwksFile, statusListFile] = process.argv.slice(2);
const keys = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, "utf8")));
const tokens = JSON.parse(readFileSync(0, "utf8"));

function issuerId(credential) {
  return typeof credential.issuer === "string" ? credential.issuer : credential.issuer?.id;
}

async function verifyJwt(token) {
  const { payload, protectedHeader } = await jwtVerify(token, keys, { algorithms: ["EdDSA"], typ: "vc+jwt" });
  // The key must be one of the issuer's own: its DID URL starts with the issuer's id.
  if (!protectedHeader.kid?.startsWith(`${issuerId(payload)}#`)) {
    throw new Error(`kid ${protectedHeader.kid} is not a key of issuer ${issuerId(payload)}`);
  }
  // Open Badges 3.0: the registered claims restate the credential (jose checked nbf against the clock)
  const validFrom = payload.validFrom === undefined ? undefined : Date.parse(payload.validFrom) / 1000;
  if (payload.iss !== issuerId(payload) || payload.jti !== payload.id || payload.nbf !== validFrom
      || payload.sub !== payload.credentialSubject?.id) {
    throw new Error("iss, jti, nbf or sub do not match the credential");
  }
  if (!Array.isArray(payload["@context"]) || payload["@context"][0] !== CREDENTIALS_V2) {
    throw new Error("not a VC Data Model 2.0 credential");
  }
  const now = new Date();
  if (payload.validFrom && new Date(payload.validFrom) > now) throw new Error("not yet valid");
  if (payload.validUntil && new Date(payload.validUntil) < now) throw new Error("expired");
  return { payload, protectedHeader };
}

let statusList = null;
async function loadStatusList() {
  if (!statusListFile) return null;
  if (statusList) return statusList;
  const { payload } = await verifyJwt(readFileSync(statusListFile, "utf8").trim());
  if (!payload.type.includes("BitstringStatusListCredential")) throw new Error("not a status list credential");
  if (typeof payload.iat !== "number") throw new Error("status list without its time of issue (iat)");
  const subject = payload.credentialSubject;
  if (subject.type !== "BitstringStatusList" || !subject.encodedList.startsWith("u")) {
    throw new Error("not a multibase base64url bitstring status list");
  }
  const bits = gunzipSync(Buffer.from(subject.encodedList.slice(1), "base64url"));
  if (bits.length * 8 < MIN_LIST_BITS) throw new Error(`status list shorter than ${MIN_LIST_BITS} bits`);
  statusList = { id: payload.id, issuer: issuerId(payload), purpose: subject.statusPurpose, bits };
  return statusList;
}

async function check(token) {
  const result = { verified: false, revoked: null };
  try {
    const { payload, protectedHeader } = await verifyJwt(token);
    result.header = protectedHeader;
    result.credential = payload;
    if (!payload.type?.includes("VerifiableCredential") || !payload.type.includes("OpenBadgeCredential")
        || !payload["@context"].includes(OPEN_BADGES_V3)) {
      throw new Error("not an OpenBadgeCredential");
    }
    const status = payload.credentialStatus;
    const list = await loadStatusList();
    if (list) {
      if (status?.type !== "BitstringStatusListEntry") throw new Error("no BitstringStatusListEntry");
      if (status.statusListCredential !== list.id) throw new Error("status list is not the credential's");
      if (list.issuer !== issuerId(payload)) throw new Error("status list of another issuer");
      if (list.purpose !== status.statusPurpose) throw new Error("status purpose differs");
      const index = Number.parseInt(status.statusListIndex, 10);
      if (!(index >= 0 && index < list.bits.length * 8)) throw new Error("status index outside the list");
      result.revoked = Boolean(list.bits[index >> 3] & (0x80 >> (index & 7)));
      result.statusList = { id: list.id, length: list.bits.length * 8, index };
    }
    result.verified = true;
  } catch (error) {
    result.error = `${error.code ?? error.name}: ${error.message}`;
  }
  return result;
}

const results = [];
for (const token of tokens) results.push(await check(token));
process.stdout.write(JSON.stringify(results));
