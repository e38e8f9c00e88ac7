// Benchmark Digital Bazaar's eddsa-rdfc-2022 sign (vc.issue) and verify (vc.verifyCredential).
//
// usage: node bench.mjs <credential-unsigned.json | -> <runs> [--warmup N]
//
// A fresh Ed25519 Multikey is generated; issuer.id (or the string issuer) becomes its did:key and
// the proof's verificationMethod its key id; everything else in the credential is kept. Any
// credentialStatus is left in place but not checked (no status check while timing). After
// --warmup (default 30) untimed rounds, each of <runs> rounds times one sign and one verify.
//
// stdout: {"sign_ms": median, "verify_ms": median, "runs": N, "warmup": W,
//          "sign_ms_p90": …, "verify_ms_p90": …, "node": process.version,
//          "packages": {name: version}}

import {randomBytes} from 'node:crypto';
import {performance} from 'node:perf_hooks';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {makeDocumentLoader, packageVersions, parseArgs, readJson, run} from './common.mjs';
import {issuerKey, withIssuer} from './issue.mjs';

function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const round3 = x => Math.round(x * 1000) / 1000;

run(async argv => {
  const {positional, opts} = parseArgs(argv, {options: ['warmup']});
  const runs = Number.parseInt(positional[1], 10);
  const warmup = opts.warmup === undefined ? 30 : Number.parseInt(opts.warmup, 10);
  if(positional.length !== 2 || !(runs > 0) || !(warmup >= 0)) {
    throw new Error('usage: bench.mjs <credential-unsigned.json|-> <runs> [--warmup N]');
  }
  // a fresh random key per invocation (issuerKey derives the did:key id and controller from the seed)
  const keyPair = await issuerKey(randomBytes(32).toString('hex'));
  const did = keyPair.controller;
  const credential = withIssuer(readJson(positional[0]), did);
  const documentLoader = makeDocumentLoader();

  const sign = () => vc.issue({
    credential: structuredClone(credential),
    suite: new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022}),
    documentLoader,
  });
  const verify = async signed => {
    const result = await vc.verifyCredential({
      credential: signed,
      suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
      documentLoader,
      checkStatus: async () => ({verified: true}),
    });
    if(!result.verified) {
      const e = result.error;
      throw new Error(`benchmark credential does not verify: ${e && e.message}`);
    }
  };

  for(let i = 0; i < warmup; i++) {
    await verify(await sign());
  }
  const signMs = [];
  const verifyMs = [];
  for(let i = 0; i < runs; i++) {
    let t = performance.now();
    const signed = await sign();
    signMs.push(performance.now() - t);
    t = performance.now();
    await verify(signed);
    verifyMs.push(performance.now() - t);
  }
  return {
    sign_ms: round3(quantile(signMs, 0.5)),
    verify_ms: round3(quantile(verifyMs, 0.5)),
    sign_ms_p90: round3(quantile(signMs, 0.9)),
    verify_ms_p90: round3(quantile(verifyMs, 0.9)),
    runs,
    warmup,
    node: process.version,
    packages: packageVersions(),
  };
});
