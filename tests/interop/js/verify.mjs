// Verify an OB 3.0 credential (eddsa-rdfc-2022 DataIntegrityProof) with Digital Bazaar's stack.
//
// usage: node verify.mjs <credential.json | -> [--base http://127.0.0.1:PORT]
//                        [--key-map keys.json] [--now ISO-8601]
//
// --base     origin of the live test server: did:web DID documents and http(s) documents
//            (status list credentials) are fetched from it, whatever host the URL names.
// --key-map  JSON {url: publicKeyMultibase | document} served by the loader (test vectors whose
//            keys live at unreachable URLs); see common.mjs expandKeyMap.
// --now      the verification time (default: now).
//
// stdout: {"verified": bool, "errors": [str], "proofs": [{verified, verificationMethod}],
//          "statusResult": null | {"verified": bool, "revoked": bool|null,
//                                  "results": [{statusPurpose, statusListIndex,
//                                               statusListCredential, status, verified, error}]},
//          "fetched": [{url, fetched, status}]}
// Note: as in vc.js, a revoked credential with a valid status list is "verified": true with
// statusResult.revoked true; "verified" is false when the status list cannot be checked.

import {verifyCredential} from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {
  errorMessages, expandKeyMap, makeDocumentLoader, parseArgs, readJson, run,
} from './common.mjs';

function summarizeStatus(statusResult) {
  if(!statusResult) {
    return null;
  }
  const results = (statusResult.results || []).map(r => ({
    statusPurpose: r.credentialStatus?.statusPurpose ?? null,
    statusListIndex: r.credentialStatus?.statusListIndex ?? null,
    statusListCredential: r.credentialStatus?.statusListCredential ?? null,
    status: typeof r.status === 'boolean' ? r.status : null,
    verified: r.verified === true,
    error: r.error ? String(r.error.message || r.error) : null,
  }));
  const revocation = results.filter(r => r.statusPurpose === 'revocation' && r.verified);
  return {
    verified: statusResult.verified === true,
    revoked: revocation.length ? revocation.some(r => r.status === true) : null,
    results,
    ...(statusResult.error ? {error: String(statusResult.error.message || statusResult.error)} : {}),
  };
}

run(async argv => {
  const {positional, opts} = parseArgs(argv, {options: ['base', 'key-map', 'now']});
  if(positional.length !== 1) {
    throw new Error('usage: verify.mjs <credential.json|-> [--base URL] [--key-map FILE] [--now ISO]');
  }
  const credential = readJson(positional[0]);
  const keyMap = opts['key-map'] ? expandKeyMap(readJson(opts['key-map'])) : new Map();
  const fetched = [];
  const documentLoader = makeDocumentLoader({base: opts.base || null, keyMap, log: fetched});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

  const result = await verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus,
    ...(opts.now ? {now: opts.now} : {}),
  });

  return {
    verified: result.verified === true,
    errors: errorMessages(result, result.statusResult),
    proofs: (result.results || []).filter(r => r.proof).map(r => ({
      verified: r.verified === true,
      verificationMethod: r.proof.verificationMethod ?? null,
    })),
    statusResult: summarizeStatus(result.statusResult),
    fetched,
  };
});
