// Issue a signed BitstringStatusListCredential with @digitalbazaar/vc-bitstring-status-list.
//
// usage: node status_list.mjs --url LIST_URL [--revoked 3,17,…] [--length N]
//                             [--did-web DID] [--seed-hex HEX64] [--created ISO-8601]
//
// Signed (eddsa-rdfc-2022) by the same fixed test key and issuer DID as issue.mjs with the same
// --did-web / --seed-hex, so credentials from issue.mjs --status LIST_URL#i check against it.
// --length defaults to 131072 entries (the minimum size of DESIGN §4); --revoked sets those bits.
//
// stdout: the signed status list credential JSON (issuer is a string, as DESIGN §4 says).

import {createCredential, createList} from '@digitalbazaar/vc-bitstring-status-list';

import {parseArgs, run} from './common.mjs';
import {issuerKey, sign} from './issue.mjs';

run(async argv => {
  const {positional, opts} = parseArgs(argv, {
    options: ['url', 'revoked', 'length', 'did-web', 'seed-hex', 'created'],
  });
  const length = opts.length === undefined ? 131072 : Number.parseInt(opts.length, 10);
  if(positional.length || !opts.url || !(length > 0)) {
    throw new Error('usage: status_list.mjs --url URL [--revoked i,j] [--length N] ' +
      '[--did-web DID] [--seed-hex HEX64] [--created ISO]');
  }
  const key = await issuerKey(opts['seed-hex'], opts['did-web'] || null);
  const list = await createList({length});
  for(const s of (opts.revoked || '').split(',').filter(Boolean)) {
    const index = Number.parseInt(s, 10);
    if(!(index >= 0 && index < length)) {
      throw new Error(`--revoked index out of range: ${s}`);
    }
    list.setStatus(index, true);
  }
  const credential = await createCredential({id: opts.url, list, statusPurpose: 'revocation'});
  credential.issuer = key.controller;
  credential.validFrom = '2024-01-01T00:00:00Z';
  return sign(credential, key, {created: opts.created});
});
