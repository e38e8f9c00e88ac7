// Issue credentials in the formats already in circulation, with the reference libraries.
//
// usage: node legacy_issue.mjs [--ob-context URL] [--list-url URL] [--index N] [--revoked]
//                              [--expiration ISO-8601]
//
// Prints one JSON object:
//   ldp         a VC 1.1 OpenBadgeCredential signed by @digitalbazaar/vc with
//               Ed25519Signature2020 (did:key issuer, Ed25519VerificationKey2020 key), with a
//               StatusList2021Entry (revocation) at --index of the list --list-url;
//   statusList  that StatusList2021Credential (@digitalbazaar/vc-status-list), signed by the
//               same issuer, its bit --index set with --revoked;
//   jwts        {RS256, ES256, EdDSA}: VC 1.1 JWTs (the credential under the "vc" claim,
//               iss / nbf / jti / sub / exp per VC-JWT 1.1) signed by `jose` with fresh keys,
//               each issuer a did:jwk of its public key (kid = did#0).
// The Ed25519 seed is FIXED (TEST KEY, public on purpose); the JWT keys are fresh every run.

import * as vc from '@digitalbazaar/vc';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {Ed25519Signature2020, suiteContext} from '@digitalbazaar/ed25519-signature-2020';
import * as statusList from '@digitalbazaar/vc-status-list';
import * as statusListContext from '@digitalbazaar/vc-status-list-context';
import * as jose from 'jose';

import {CONTEXTS, makeDocumentLoader, parseArgs, run} from './common.mjs';

const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
const OB_UNVERSIONED = 'https://purl.imsglobal.org/spec/ob/v3p0/context.json';
// TEST KEY ONLY: sha256("sceau interop legacy_issue.mjs fixed seed").
const FIXED_SEED_HEX = '3d3c5f0c1c7a8f0e7b6f5b9d3e2f4a1c0b9e8d7c6a5f4e3d2c1b0a9f8e7d6c5b';
const LIST_LENGTH = 131072;

for(const [url, doc] of [
  ...suiteContext.contexts, ...statusListContext.contexts,
]) {
  CONTEXTS.set(url, doc);
}

function unsignedBadge(obContext, issuer, {expiration}) {
  const credential = {
    '@context': [VC_V1, obContext, suiteContext.CONTEXT_URL],
    id: 'urn:uuid:4b0d3f5e-7a43-4c55-9a55-0c1f1b1f6a01',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: {id: issuer, type: 'Profile', name: 'Legacy Academy'},
    issuanceDate: '2024-01-15T09:00:00Z',
    name: 'Welding, level 2',
    credentialSubject: {
      id: 'did:example:ada',
      type: 'AchievementSubject',
      achievement: {
        id: 'https://legacy.example/achievements/welding-2',
        type: 'Achievement',
        name: 'Welding, level 2',
        description: 'Arc welding of steel plates.',
        criteria: {narrative: 'Pass the practical exam.'},
      },
    },
  };
  if(expiration) {
    credential.expirationDate = expiration;
  }
  return credential;
}

async function issueLdp(opts, documentLoader) {
  const seed = Uint8Array.from(Buffer.from(FIXED_SEED_HEX, 'hex'));
  const key = await Ed25519VerificationKey2020.generate({seed});
  const did = `did:key:${key.fingerprint()}`;
  key.controller = did;
  key.id = `${did}#${key.fingerprint()}`;
  const suite = new Ed25519Signature2020({key, date: '2024-01-15T09:00:00Z'});

  const listUrl = opts['list-url'] || 'https://legacy.example/status/1';
  const index = Number(opts.index || '94567');
  const credential = unsignedBadge(opts['ob-context'] || OB_UNVERSIONED, did, opts);
  credential['@context'].push(statusListContext.CONTEXT_URL_V1);
  credential.credentialStatus = {
    id: `${listUrl}#${index}`,
    type: 'StatusList2021Entry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: listUrl,
  };
  const ldp = await vc.issue({credential, suite, documentLoader});

  const list = await statusList.createList({length: LIST_LENGTH});
  if(opts.revoked) {
    list.setStatus(index, true);
  }
  const unsignedList = await statusList.createCredential({
    id: listUrl, list, statusPurpose: 'revocation',
  });
  unsignedList['@context'].push(suiteContext.CONTEXT_URL);
  unsignedList.issuer = did;
  unsignedList.issuanceDate = '2024-01-15T09:00:00Z';
  const signedList = await vc.issue({credential: unsignedList, suite, documentLoader});
  return {issuer: did, ldp, statusList: signedList};
}

async function issueJwt(alg, opts) {
  const options = alg === 'EdDSA' ? {crv: 'Ed25519'} : alg === 'RS256' ? {modulusLength: 2048} : {};
  const {publicKey, privateKey} = await jose.generateKeyPair(alg, {...options, extractable: true});
  const jwk = await jose.exportJWK(publicKey);
  const did = `did:jwk:${jose.base64url.encode(JSON.stringify(jwk))}`;
  const credential = unsignedBadge(opts['ob-context'] || OB_UNVERSIONED, did, opts);
  credential['@context'] = credential['@context'].slice(0, 2);
  // VC-JWT 1.1 §6.3.1: id, issuanceDate, expirationDate and the subject's id go to
  // jti, nbf, exp and sub ("instead of"); the issuer stays, as an object with a name.
  const {id, issuanceDate, expirationDate, ...vcClaim} = credential;
  const subject = {...vcClaim.credentialSubject};
  delete subject.id;
  vcClaim.credentialSubject = subject;
  const payload = {vc: vcClaim, jti: id, sub: credential.credentialSubject.id};
  let builder = new jose.SignJWT(payload)
    .setProtectedHeader({alg, kid: `${did}#0`, typ: 'JWT'})
    .setIssuer(did)
    .setNotBefore(Math.floor(Date.parse(issuanceDate) / 1000));
  if(expirationDate) {
    builder = builder.setExpirationTime(Math.floor(Date.parse(expirationDate) / 1000));
  }
  return {issuer: did, token: await builder.sign(privateKey)};
}

run(async argv => {
  const {opts} = parseArgs(argv, {
    options: ['ob-context', 'list-url', 'index', 'expiration'], flags: ['revoked'],
  });
  const documentLoader = makeDocumentLoader();
  const out = await issueLdp(opts, documentLoader);
  out.jwts = {};
  for(const alg of ['RS256', 'ES256', 'EdDSA']) {
    out.jwts[alg] = await issueJwt(alg, opts);
  }
  return out;
});
