// Verify a VC-JWT (ES256) independently with `jose`, against the key its `kid` names in a DID document.
//
// usage: node jwt_verify.mjs <token | @token-file | -> <did.json path | http(s) URL> [--now ISO-8601]
//
// The algorithm list is fixed here (ES256), never taken from the token. The key is the
// publicKeyJwk of the verification method whose id is the header `kid` (a relative "#frag" kid is
// resolved against the DID); it must be listed in the DID document's assertionMethod, and the
// payload's `iss` must equal the DID document's id. `nbf`/`exp` are checked by jose.
//
// stdout: {"verified": bool, "header": {...}|null, "payload": {...}|null, "kid": str|null,
//          "error": str|null}

import fs from 'node:fs';

import * as jose from 'jose';
import {findVerificationMethod} from '@digitalbazaar/did-io';

import {parseArgs, run} from './common.mjs';

const ALGORITHMS = ['ES256'];

function readToken(arg) {
  if(arg === '-') {
    return fs.readFileSync(0, 'utf8').trim();
  }
  if(arg.startsWith('@')) {
    return fs.readFileSync(arg.slice(1), 'utf8').trim();
  }
  return arg.trim();
}

async function readDidDocument(arg) {
  if(/^https?:\/\//.test(arg)) {
    const res = await fetch(arg, {signal: AbortSignal.timeout(10000), redirect: 'error'});
    if(!res.ok) {
      throw new Error(`GET ${arg}: HTTP ${res.status}`);
    }
    return JSON.parse(await res.text());
  }
  return JSON.parse(fs.readFileSync(arg, 'utf8'));
}

function includesId(list, id) {
  return (list || []).some(m => m === id || (m && typeof m === 'object' && m.id === id));
}

run(async argv => {
  const {positional, opts} = parseArgs(argv, {options: ['now']});
  if(positional.length !== 2) {
    throw new Error('usage: jwt_verify.mjs <token|@file|-> <did.json|URL> [--now ISO]');
  }
  const token = readToken(positional[0]);
  const doc = await readDidDocument(positional[1]);
  const out = {verified: false, header: null, payload: null, kid: null, error: null};
  try {
    out.header = jose.decodeProtectedHeader(token);
    const {kid} = out.header;
    if(typeof kid !== 'string' || !kid) {
      throw new Error('token header has no kid');
    }
    out.kid = kid.startsWith('#') ? `${doc.id}${kid}` : kid;
    const vm = findVerificationMethod({doc, methodId: out.kid});
    if(!vm || !vm.publicKeyJwk) {
      throw new Error(`no verification method with a publicKeyJwk has id ${out.kid}`);
    }
    if(!includesId(doc.assertionMethod, out.kid)) {
      throw new Error(`${out.kid} is not listed in assertionMethod`);
    }
    const key = await jose.importJWK(vm.publicKeyJwk, 'ES256');
    const {payload} = await jose.jwtVerify(token, key, {
      algorithms: ALGORITHMS,
      ...(opts.now ? {currentDate: new Date(opts.now)} : {}),
    });
    out.payload = payload;
    if(payload.iss !== doc.id) {
      throw new Error(`iss ${JSON.stringify(payload.iss)} is not the DID ${doc.id}`);
    }
    out.verified = true;
  } catch(e) {
    out.error = `${e.code ? e.code + ': ' : ''}${e.message}`;
  }
  return out;
});
