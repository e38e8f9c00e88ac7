// Issue an OB 3.0 OpenBadgeCredential with Digital Bazaar's stack (eddsa-rdfc-2022).
//
// usage: node issue.mjs [--credential unsigned.json | -] [--created ISO-8601] [--seed-hex HEX64]
//                       [--did-web DID] [--status LIST_URL#INDEX] [--did-document]
//
// The issuer key is derived from a FIXED Ed25519 seed (TEST KEY, public on purpose), so the
// output is reproducible except for proof.created (fix it too with --created).
//   issuer        did:key:z6Mk… of the key (verificationMethod did:key:z6Mk…#z6Mk…), or with
//                 --did-web DID that DID (verificationMethod DID#key-1; serve --did-document
//                 output at the DID's did.json).
//   --credential  sign this unsigned credential instead of the built-in sample, after setting
//                 issuer.id (or the string issuer) to the issuer DID; everything else is kept.
//   --status      add a BitstringStatusListEntry (revocation) pointing at LIST_URL, index INDEX.
//   --did-document  print the issuer's DID document instead of a credential.
//
// stdout: the signed credential JSON (or the DID document).

import {pathToFileURL} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {
  DID_V1, MULTIKEY_V1, OB_V3_0_3, VC_V2, makeDocumentLoader, parseArgs, readJson, run,
} from './common.mjs';

// TEST KEY ONLY: sha256("sceau interop issue.mjs fixed seed").
export const FIXED_SEED_HEX = '8caceef8d28c3420f4d752d72388fed1436009161a109894444c705b824cb386';

/** Ed25519 Multikey from a 32-byte hex seed; controller = didWeb or the key's did:key. */
export async function issuerKey(seedHex = FIXED_SEED_HEX, didWeb = null) {
  if(!/^[0-9a-fA-F]{64}$/.test(seedHex)) {
    throw new Error('--seed-hex must be 64 hex digits');
  }
  if(didWeb !== null && !didWeb.startsWith('did:web:')) {
    throw new Error('--did-web must be a did:web DID');
  }
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  const probe = await Ed25519Multikey.generate({seed});
  if(didWeb) {
    return Ed25519Multikey.generate({seed, controller: didWeb, id: `${didWeb}#key-1`});
  }
  return Ed25519Multikey.generate({seed, controller: `did:key:${probe.publicKeyMultibase}`});
}

/** The DID document of `key` in the form Sceau publishes (DESIGN §4). */
export function didDocument(key) {
  const vm = {
    id: key.id, type: 'Multikey', controller: key.controller,
    publicKeyMultibase: key.publicKeyMultibase,
  };
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: key.controller,
    verificationMethod: [vm],
    assertionMethod: [key.id],
    authentication: [key.id],
  };
}

export function sampleCredential(did) {
  return {
    '@context': [VC_V2, OB_V3_0_3],
    id: 'urn:uuid:5f0c7a9e-3d2b-4c51-9b0a-6a4e2f1d8c3b',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: {
      id: did,
      type: ['Profile'],
      name: 'Interop Test Certification Body',
      url: 'https://interop.example.org',
    },
    validFrom: '2024-01-01T00:00:00Z',
    name: 'Certified Interop Tester',
    description: 'Issued by the Digital Bazaar reference stack for the Sceau interop tests.',
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [{
        type: 'IdentityObject',
        identityType: 'emailAddress',
        hashed: true,
        // sha256("candidate@example.org" + "pepper-1234")
        identityHash: 'sha256$32b285c8a094fed9d094f1deb9ec193312bae5ef5607f60e6508b33d2c7f3cd9',
        salt: 'pepper-1234',
      }],
      achievement: {
        id: 'https://interop.example.org/achievements/interop/tester',
        type: ['Achievement'],
        name: 'Certified Interop Tester',
        description: 'Can make two credential stacks agree.',
        criteria: {narrative: 'Passed the written and practical interop exams.'},
        achievementType: 'Certification',
      },
    },
  };
}

export function withIssuer(credential, did) {
  const out = structuredClone(credential);
  delete out.proof;
  if(out.issuer && typeof out.issuer === 'object') {
    out.issuer = {...out.issuer, id: did};
  } else {
    out.issuer = did;
  }
  return out;
}

export function statusEntry(spec) {
  const hash = spec.lastIndexOf('#');
  const index = spec.slice(hash + 1);
  if(hash < 1 || !/^\d+$/.test(index)) {
    throw new Error('--status must be LIST_URL#INDEX');
  }
  const list = spec.slice(0, hash);
  return {
    id: spec, type: 'BitstringStatusListEntry', statusPurpose: 'revocation',
    statusListIndex: index, statusListCredential: list,
  };
}

export async function sign(credential, key, {created, documentLoader = makeDocumentLoader()} = {}) {
  const suite = new DataIntegrityProof({
    signer: key.signer(), cryptosuite: eddsaRdfc2022, ...(created ? {date: created} : {}),
  });
  return vc.issue({credential, suite, documentLoader});
}

const isMain = import.meta.url === pathToFileURL(process.argv[1]).href;
if(isMain) {
  run(async argv => {
    const {positional, opts} = parseArgs(argv, {
      options: ['credential', 'created', 'seed-hex', 'did-web', 'status'],
      flags: ['did-document'],
    });
    if(positional.length) {
      throw new Error('usage: issue.mjs [--credential FILE|-] [--created ISO] [--seed-hex HEX64] ' +
        '[--did-web DID] [--status URL#INDEX] [--did-document]');
    }
    const key = await issuerKey(opts['seed-hex'], opts['did-web'] || null);
    if(opts['did-document']) {
      return didDocument(key);
    }
    const credential = opts.credential ?
      withIssuer(readJson(opts.credential), key.controller) : sampleCredential(key.controller);
    if(opts.status) {
      credential.credentialStatus = statusEntry(opts.status);
    }
    return sign(credential, key, {created: opts.created});
  });
}
